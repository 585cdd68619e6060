// Webhooks this service registers itself (Asana). Asana answers a webhook create only after a handshake
// POST to the target carrying X-Hook-Secret; the target holds this row's id, and the handshake is taken
// only for a row still pending and young, so nobody can plant a secret with an unsolicited handshake.
import type { PrismaClient } from '../db.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import { isUuid } from '../domain/defect-key.ts';

/** A registration older than this no longer accepts its handshake. */
const HANDSHAKE_WINDOW_MS = 5 * 60_000;

export class WebhookRegistrations {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * Runs `fn` while holding this tracker's registration lock (a Postgres advisory lock, across processes),
   * or not at all when another process holds it: two checks at once (start-up and the first poll, two
   * API processes) would each create a webhook.
   */
  async exclusive<T>(tracker: TrackerKind, fn: () => Promise<T>): Promise<T | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtextextended(${`webhook-registration/${tracker}`}, 0)) AS locked`;
        return row?.locked ? fn() : null;
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  /** A pending registration whose target is `<base>/<id>`. */
  async begin(tracker: TrackerKind, resource: string, targetBase: string): Promise<{ id: string; target: string }> {
    const row = await this.prisma.webhookRegistration.create({ data: { tracker, resource, target: '' } });
    const target = `${targetBase.replace(/\/+$/, '')}/${row.id}`;
    await this.prisma.webhookRegistration.update({ where: { id: row.id }, data: { target } });
    return { id: row.id, target };
  }

  /** Stores the handshake's secret if `id` is a young pending registration; false otherwise (nothing changes). */
  async acceptHandshake(tracker: TrackerKind, id: string, secret: string): Promise<boolean> {
    if (!isUuid(id) || !secret || secret.length > 512) return false;
    const { count } = await this.prisma.webhookRegistration.updateMany({
      where: { id: id.toLowerCase(), tracker, state: 'pending', secret: null, createdAt: { gt: new Date(Date.now() - HANDSHAKE_WINDOW_MS) } },
      data: { secret, state: 'handshaken' },
    });
    return count === 1;
  }

  /** The secret events to `id` are signed with, once its handshake is done. */
  async secretFor(tracker: TrackerKind, id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const row = await this.prisma.webhookRegistration.findFirst({
      where: { id: id.toLowerCase(), tracker, state: { in: ['handshaken', 'active'] } },
      select: { secret: true },
    });
    return row?.secret ?? null;
  }

  async activate(id: string, remoteId: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { remoteId, state: 'active', lastError: null } });
  }

  async fail(id: string, error: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { state: 'failed', lastError: error.slice(0, 1000) } });
  }

  /** Active registrations for a resource, newest first. */
  active(tracker: TrackerKind, resource: string) {
    return this.prisma.webhookRegistration.findMany({ where: { tracker, resource, state: 'active' }, orderBy: { createdAt: 'desc' } });
  }

  async retire(id: string, why: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { state: 'failed', lastError: why } });
  }
}
