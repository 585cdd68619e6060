// Linking an existing ticket to a defect by hand (instead of letting the worker create one). The
// ticket is looked up in the tracker first, so a typo is a 404 rather than a broken link.
import type { PrismaClient } from '../db.ts';
import type { Connector, RemoteTicket, TrackerKind } from '../../connectors/contract.ts';
import { TrackerError } from '../../connectors/errors.ts';
import { AppError, notFound } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { findDefect, lockDefect } from './find.ts';
import { appendOutbox } from './outbox.ts';
import { lockLinkInTx } from '../sync/lock.ts';
import type { Snapshot } from '../sync/plan.ts';
import { linkView } from './views.ts';

export class LinkStore {
  private readonly prisma: PrismaClient;
  private readonly connectors: ReadonlyMap<TrackerKind, Connector>;

  constructor(prisma: PrismaClient, connectors: ReadonlyMap<TrackerKind, Connector>) {
    this.prisma = prisma;
    this.connectors = connectors;
  }

  async list(idOrKey: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const links = await this.prisma.trackerLink.findMany({ where: { defectId: defect.id }, orderBy: { tracker: 'asc' } });
    return links.map(linkView);
  }

  /** Links the ticket a person named; returns the link and whether it was new. */
  async link(idOrKey: string, tracker: TrackerKind, ref: string, actor: string) {
    const connector = this.connectors.get(tracker);
    if (!connector) {
      const on = [...this.connectors.keys()];
      throw new AppError('validation_failed', `tracker: ${tracker} is not configured (configured: ${on.join(', ') || 'none'})`, {
        fields: [{ field: 'tracker', message: 'is not configured' }],
      });
    }
    await findDefect(this.prisma, idOrKey); // a 404 for the defect before asking the tracker anything
    const remote = await lookup(connector, ref);

    return this.prisma.$transaction(async (tx) => {
      const defect = await lockDefect(tx, idOrKey);
      await lockLinkInTx(tx, defect.id, tracker);
      const mine = await tx.trackerLink.findUnique({ where: { defectId_tracker: { defectId: defect.id, tracker } } });
      if (mine?.remoteId === remote.remoteId) return { created: false, link: linkView(mine) };
      if (mine?.remoteId && mine.syncState !== 'missing') {
        throw new AppError('conflict', `${formatDefectKey(defect.number)} is already linked to ${tracker} ticket ${mine.key}`, {
          tracker,
          linked: mine.key,
        });
      }
      const taken = await tx.trackerLink.findFirst({
        where: { tracker, remoteId: remote.remoteId, syncState: { not: 'missing' }, defectId: { not: defect.id } },
      });
      if (taken) {
        const other = await tx.defect.findUniqueOrThrow({ where: { id: taken.defectId } });
        throw new AppError('conflict', `${tracker} ticket ${remote.key} is already linked to ${formatDefectKey(other.number)}`, {
          tracker,
          linkedTo: formatDefectKey(other.number),
        });
      }
      // The snapshot is the ticket as it is: the worker then writes whatever the defect says differently.
      // Canonical, so a state the tracker shows differently but means the same (GitHub 'not planned' vs
      // closed) is not mistaken for a difference.
      const snapshot: Snapshot = { fields: connector.canonical(remote.fields), contextDigest: '' };
      const data = {
        remoteId: remote.remoteId,
        key: remote.key,
        url: remote.url,
        snapshot,
        syncState: 'pending' as const,
        lastError: null,
        attempts: 0,
        createStartedAt: null,
      };
      const link = mine
        ? await tx.trackerLink.update({ where: { id: mine.id }, data })
        : await tx.trackerLink.create({ data: { defectId: defect.id, tracker, ...data } });
      await appendOutbox(tx, defect.id, 'defect.ticket_linked', { version: defect.version, fields: [], actor });
      return { created: true, link: linkView(link) };
    });
  }
}

async function lookup(connector: Connector, ref: string): Promise<RemoteTicket> {
  try {
    return await connector.lookup(ref);
  } catch (err) {
    if (!(err instanceof TrackerError)) throw err;
    if (err.kind === 'gone') throw notFound(`${connector.kind} ticket`, ref);
    if (err.kind === 'rejected' || err.kind === 'moved') throw new AppError('tracker_rejected', err.message, { tracker: connector.kind });
    throw new AppError('tracker_unavailable', err.message, {
      tracker: connector.kind,
      ...(err.retryAfterMs !== undefined && { retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) }),
    });
  }
}
