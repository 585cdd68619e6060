// Linking an existing ticket to a defect by hand (instead of letting the worker create one). The
// ticket is looked up in the tracker first, so a typo is a 404 rather than a broken link.
import type { PrismaClient, Tx } from '../db.ts';
import { ticketFieldsOf, type Connector, type RemoteTicket, type TrackerKind } from '../../connectors/contract.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { Defect, TrackerLink } from '../generated/prisma/client.ts';
import { TrackerError } from '../../connectors/errors.ts';
import { AppError, notFound } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { findDefect, lockDefect } from './find.ts';
import { appendOutbox } from './outbox.ts';
import { tryLockLinkInTx } from '../sync/lock.ts';
import { parseSnapshot, type Snapshot } from '../sync/plan.ts';
import { firstLinkBase } from '../sync/merge.ts';
import { linkView } from './views.ts';

export class LinkStore {
  private readonly prisma: PrismaClient;
  private readonly connectors: ReadonlyMap<ConnectionName, Connector>;

  constructor(prisma: PrismaClient, connectors: ReadonlyMap<ConnectionName, Connector>) {
    this.prisma = prisma;
    this.connectors = connectors;
  }

  async list(idOrKey: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const links = await this.prisma.trackerLink.findMany({ where: { defectId: defect.id }, orderBy: [{ tracker: 'asc' }, { connection: 'asc' }] });
    return links.map(linkView);
  }

  /**
   * Links the ticket a person named; returns the link and whether it was new. Naming the ticket a
   * defect is already linked to re-checks it: the link comes back (a 'missing' one too, since the
   * ticket was just read) with a fresh snapshot, and a sync is queued.
   */
  async link(idOrKey: string, target: { connection?: ConnectionName | undefined; tracker?: TrackerKind | undefined }, ref: string, actor: string) {
    const connector = this.connectorFor(target);
    const { id: defectId } = await findDefect(this.prisma, idOrKey); // a 404 for the defect before asking the tracker anything
    const remote = await lookup(connector, ref);
    return this.attach(defectId, connector, remote, actor);
  }

  /**
   * Re-checks the ticket a defect is linked to in `connection` and brings the link back into sync: for a
   * link that went 'missing' because the tracker answered 404 for a while (a token without access,
   * say). Fails with the tracker's answer if the ticket still cannot be read.
   */
  async relink(idOrKey: string, connection: ConnectionName, actor: string) {
    const connector = this.connectorFor({ connection });
    const defect = await findDefect(this.prisma, idOrKey);
    const mine = await this.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId: defect.id, connection } } });
    const ref = mine?.url ?? mine?.key;
    if (!mine?.remoteId || !ref) throw notFound(`${connection} link of`, formatDefectKey(defect.number));
    return this.attach(defect.id, connector, await lookup(connector, ref), actor);
  }

  /** The named connection, or the one connection of the named kind (several: the caller must name one). */
  private connectorFor(target: { connection?: ConnectionName | undefined; tracker?: TrackerKind | undefined }): Connector {
    const all = [...this.connectors.values()];
    const list = (cs: Connector[]) => cs.map((c) => c.connection).join(', ') || 'none';
    const refuse = (field: 'connection' | 'tracker', value: string, why: string, detail = ''): never => {
      throw new AppError('validation_failed', `${field}: ${value} ${why}${detail}`, { fields: [{ field, message: why }] });
    };
    if (target.connection !== undefined) {
      const connector = this.connectors.get(target.connection);
      if (connector && (target.tracker === undefined || connector.kind === target.tracker)) return connector;
      return connector ? refuse('connection', target.connection, `is a ${connector.kind} connection, not ${target.tracker}`) : refuse('connection', target.connection, 'is not configured', ` (configured: ${list(all)})`);
    }
    const ofKind = all.filter((c) => c.kind === target.tracker);
    if (ofKind.length === 1) return ofKind[0]!;
    if (ofKind.length === 0) return refuse('tracker', String(target.tracker), 'is not configured', ` (configured: ${list(all)})`);
    const why = `is required: tracker ${target.tracker} has ${ofKind.length} connections (${list(ofKind)})`;
    throw new AppError('validation_failed', `connection: ${why}`, { fields: [{ field: 'connection', message: why }] });
  }

  private async attach(defectId: string, connector: Connector, remote: RemoteTicket, actor: string) {
    try {
      return await this.attachOnce(defectId, connector, remote, actor);
    } catch (err) {
      // Two requests linking one ticket to two defects at once: both saw it free, the unique index let one in.
      if (!isUniqueViolation(err)) throw err;
      const owner = await this.prisma.trackerLink.findFirst({
        where: { connection: connector.connection, remoteId: remote.remoteId, syncState: { not: 'missing' } },
        select: { defect: { select: { number: true } } },
      });
      const to = owner ? formatDefectKey(owner.defect.number) : 'another defect';
      throw new AppError('conflict', `${connector.connection} ticket ${remote.key} is already linked to ${to}`, { connection: connector.connection, tracker: connector.kind, linkedTo: to });
    }
  }

  private attachOnce(defectId: string, connector: Connector, remote: RemoteTicket, actor: string) {
    const { connection } = connector;
    return this.prisma.$transaction(async (tx) => {
      // The sync's lock first, and only then the defect row: a running sync holds its lock across
      // remote calls, and waiting for it with the row locked would stall every write of the defect.
      if (!(await tryLockLinkInTx(tx, defectId, connection, LINK_LOCK_WAIT_MS))) {
        throw new AppError('conflict', `a sync of this defect's ${connection} ticket is running; try again in a few seconds`, { connection, tracker: connector.kind });
      }
      const defect = await lockDefect(tx, defectId);
      const mine = await tx.trackerLink.findUnique({ where: { defectId_connection: { defectId: defect.id, connection } } });
      const same = mine?.remoteId === remote.remoteId;
      if (mine?.remoteId && !same && mine.syncState !== 'missing') {
        throw new AppError('conflict', `${formatDefectKey(defect.number)} is already linked to ${connection} ticket ${mine.key}`, {
          connection,
          tracker: connector.kind,
          linked: mine.key,
        });
      }
      await refuseTaken(tx, defect, connector, remote);
      const link = await saveLink(tx, defect, connector, remote, mine, actor);
      return { created: !same, link: linkView(link) };
    });
  }
}

/** How long linking waits for a running sync of the same ticket before answering 409. */
const LINK_LOCK_WAIT_MS = 2000;

async function refuseTaken(tx: Tx, defect: Defect, connector: Connector, remote: RemoteTicket): Promise<void> {
  const taken = await tx.trackerLink.findFirst({
    where: { connection: connector.connection, remoteId: remote.remoteId, syncState: { not: 'missing' }, defectId: { not: defect.id } },
  });
  if (!taken) return;
  const other = await tx.defect.findUniqueOrThrow({ where: { id: taken.defectId } });
  throw new AppError('conflict', `${connector.connection} ticket ${remote.key} is already linked to ${formatDefectKey(other.number)}`, {
    connection: connector.connection,
    tracker: connector.kind,
    linkedTo: formatDefectKey(other.number),
  });
}

/**
 * Stores the link and queues a sync that merges the two sides. Linking the same ticket again (a
 * `missing` link brought back) keeps the snapshot of the last sync as the merge's base, so what people
 * changed in the tracker meanwhile is pulled and what the defect changed is pushed, conflicts decided by
 * time, as in any sync. A first link starts from the ticket as just read (firstLinkBase).
 */
async function saveLink(tx: Tx, defect: Defect, connector: Connector, remote: RemoteTicket, mine: TrackerLink | null, actor: string) {
  const kept = mine?.remoteId === remote.remoteId ? parseSnapshot(mine.snapshot) : null;
  // Canonical, so a state the tracker shows differently but means the same (GitHub 'not planned' vs
  // closed) is not mistaken for a difference. The footer is always written again ('' matches no digest).
  const fields = kept?.fields ?? firstLinkBase(connector.canonical(ticketFieldsOf(defect)), connector.canonical(remote.fields));
  const snapshot: Snapshot = { fields, contextDigest: '' };
  const data = {
    remoteId: remote.remoteId,
    key: remote.key,
    url: remote.url,
    snapshot,
    syncState: 'pending' as const,
    lastError: null,
    attempts: 0,
    createStartedAt: null,
    lastCreateAttemptAt: null,
    nextAttemptAt: null,
  };
  const link = mine
    ? await tx.trackerLink.update({ where: { id: mine.id }, data })
    : await tx.trackerLink.create({ data: { defectId: defect.id, connection: connector.connection, tracker: connector.kind, ...data } });
  await appendOutbox(tx, defect.id, 'defect.ticket_linked', { version: defect.version, fields: [], actor });
  return link;
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


/** Prisma's unique-constraint error (the live-ticket index, TrackerLink_live_ticket_key). */
function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}
