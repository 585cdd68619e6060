// Webhooks this service registers itself (Asana). Asana answers a webhook create only after a handshake
// POST to the target carrying X-Hook-Secret; the target holds this row's id, and the handshake is taken
// only for a row still pending and young, so nobody can plant a secret with an unsolicited handshake.
import type { PrismaClient } from '../db.ts';
import { isUuid } from '../domain/defect-key.ts';

/** A registration older than this no longer accepts its handshake. */
const HANDSHAKE_WINDOW_MS = 5 * 60_000;

export class WebhookRegistrations {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * Runs `fn` while holding this connection's registration lock (a Postgres advisory lock, across processes),
   * or not at all when another process holds it: two checks at once (start-up and the first poll, two
   * API processes) would each create a webhook.
   */
  async exclusive<T>(connection: string, fn: () => Promise<T>): Promise<T | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtextextended(${`webhook-registration/${connection}`}, 0)) AS locked`;
        return row?.locked ? fn() : null;
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  /** A pending registration whose target is `<base>/<id>`. */
  async begin(connection: string, resource: string, targetBase: string): Promise<{ id: string; target: string }> {
    const row = await this.prisma.webhookRegistration.create({ data: { connection, resource, target: '' } });
    const target = `${targetBase.replace(/\/+$/, '')}/${row.id}`;
    await this.prisma.webhookRegistration.update({ where: { id: row.id }, data: { target } });
    return { id: row.id, target };
  }

  /**
   * Stores the handshake's secret if `id` is a young pending registration of one of `connections`, and
   * answers that connection; null otherwise (nothing changes).
   */
  async acceptHandshake(connections: readonly string[], id: string, secret: string): Promise<string | null> {
    if (!isUuid(id) || !secret || secret.length > 512) return null;
    const [row] = await this.prisma.webhookRegistration.updateManyAndReturn({
      where: { id: id.toLowerCase(), connection: { in: [...connections] }, state: 'pending', secret: null, createdAt: { gt: new Date(Date.now() - HANDSHAKE_WINDOW_MS) } },
      data: { secret, state: 'handshaken' },
      select: { connection: true },
    });
    return row?.connection ?? null;
  }

  /** The secret events to `id` are signed with, and its connection, once its handshake is done. */
  async secretFor(connections: readonly string[], id: string): Promise<{ secret: string; connection: string } | null> {
    if (!isUuid(id)) return null;
    const row = await this.prisma.webhookRegistration.findFirst({
      where: { id: id.toLowerCase(), connection: { in: [...connections] }, state: { in: ['handshaken', 'active'] } },
      select: { secret: true, connection: true },
    });
    return row?.secret ? { secret: row.secret, connection: row.connection } : null;
  }

  async activate(id: string, remoteId: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { remoteId, state: 'active', lastError: null } });
  }

  async fail(id: string, error: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { state: 'failed', lastError: error.slice(0, 1000) } });
  }

  /** Active registrations for a resource, newest first. */
  active(connection: string, resource: string) {
    return this.prisma.webhookRegistration.findMany({ where: { connection, resource, state: 'active' }, orderBy: { createdAt: 'desc' } });
  }

  async retire(id: string, why: string): Promise<void> {
    await this.prisma.webhookRegistration.update({ where: { id }, data: { state: 'failed', lastError: why } });
  }
}
