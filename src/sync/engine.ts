// Outbound sync of one defect to one tracker, state-based: whatever the job says happened, the engine
// reads the defect as it is now and the link's snapshot of the ticket, and writes only the difference.
// It sees tickets only in the common shape of connectors/contract.ts.
//
// Never two tickets: the link row is written before the first create call, so a retry after a crash
// knows an attempt began and looks for the ticket's marker before creating; the remote id is saved the
// moment the create returns; and SyncLocks keeps two workers off the same defect and tracker.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Connector, OutboundTicket, TicketField, TicketRef, TrackerKind } from '../../connectors/contract.ts';
import type { TrackerLink } from '../generated/prisma/client.ts';
import { failpoint } from '../failpoints.ts';
import { contextDigest, parseSnapshot, planChanges, snapshotAfter, ticketToCreate, type Snapshot } from './plan.ts';
import { decide, type Decision } from './error-policy.ts';
import { loadTicket } from './ticket.ts';
import type { SyncLocks } from './lock.ts';

export type SyncOutcome = 'created' | 'adopted' | 'updated' | 'unchanged' | 'skipped';

/** Thrown after a failure has been recorded on the link; carries what the queue should do next. */
export class SyncFailure extends Error {
  readonly decision: Decision;
  constructor(decision: Decision, cause: unknown) {
    super(decision.message, { cause });
    this.name = 'SyncFailure';
    this.decision = decision;
  }
}

export type EngineDeps = {
  prisma: PrismaClient;
  connectors: ReadonlyMap<TrackerKind, Connector>;
  /** Fields written to trackers (direction both or outbound). */
  outbound: ReadonlySet<TicketField>;
  locks: SyncLocks;
  publicUrl: string;
  log: Logger;
};

export class SyncEngine {
  private readonly deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.deps = deps;
  }

  /** Brings the defect's ticket in `tracker` up to date; `finalAttempt` decides whether a transient error is final. */
  sync(tracker: TrackerKind, defectId: string, finalAttempt = false): Promise<SyncOutcome> {
    const connector = this.deps.connectors.get(tracker);
    if (!connector) throw new Error(`tracker ${tracker} is not configured`);
    return this.deps.locks.withLock(defectId, tracker, () => this.syncLocked(connector, defectId, finalAttempt));
  }

  private async syncLocked(connector: Connector, defectId: string, finalAttempt: boolean): Promise<SyncOutcome> {
    const { prisma, publicUrl } = this.deps;
    const tracker = connector.kind;
    const ticket = await loadTicket(prisma, defectId, publicUrl);
    if (!ticket) return 'skipped';
    let link = await prisma.trackerLink.findUnique({ where: { defectId_tracker: { defectId, tracker } } });
    // A deleted or moved ticket is not recreated behind a person's back: relinking is their call.
    if (link?.syncState === 'missing') return 'skipped';

    const desired = connector.canonical(ticket.fields);
    const digest = contextDigest(ticket.context);
    const attemptAt = new Date();
    try {
      if (!link?.remoteId) {
        // A link row that already exists means an earlier attempt may have created the ticket and died.
        const earlier = link?.createStartedAt ?? null;
        link ??= await prisma.trackerLink.create({ data: { defectId, tracker, createStartedAt: attemptAt } });
        const found = earlier && (await connector.findByMarker(defectId, earlier));
        if (!found) {
          const initial = ticketToCreate(ticket, this.deps.outbound);
          const linkId = link.id;
          // The remote id is stored the moment the ticket exists, before any follow-up call can fail.
          const ref = await connector.create(initial, async (created) => {
            await prisma.trackerLink.update({ where: { id: linkId }, data: { remoteId: created.remoteId, key: created.key, url: created.url } });
          });
          failpoint('sync.after-create');
          await this.saveSuccess(link.id, ref, { fields: connector.canonical(initial.fields), contextDigest: digest }, attemptAt);
          return 'created';
        }
        // Adopt the ticket the crashed attempt made; it holds the defect as it was then, so read it
        // and let the update below send whatever changed since.
        const remote = await connector.read(found);
        link = await this.saveSuccess(link.id, found, { fields: connector.canonical(remote.fields), contextDigest: '' }, attemptAt);
        await this.update(connector, link, ticket, desired, digest, attemptAt);
        return 'adopted';
      }
      return await this.update(connector, link, ticket, desired, digest, attemptAt);
    } catch (err) {
      const decision = decide(err, finalAttempt);
      if (link) await this.saveFailure(link, decision, attemptAt);
      throw new SyncFailure(decision, err);
    }
  }

  private async update(
    connector: Connector,
    link: TrackerLink,
    ticket: OutboundTicket,
    desired: Snapshot['fields'],
    digest: string,
    attemptAt: Date,
  ): Promise<'updated' | 'unchanged'> {
    const previous = parseSnapshot(link.snapshot);
    const changes = planChanges(desired, digest, previous, this.deps.outbound);
    if (changes.size === 0) {
      // Still worth recording: the link now says when the ticket was last confirmed in step.
      await this.saveSuccess(link.id, null, previous, attemptAt);
      return 'unchanged';
    }
    const ref = await connector.update(asRef(link), ticket, changes, previous?.fields ?? null);
    if (ref.key !== link.key) this.deps.log.info({ tracker: link.tracker, from: link.key, to: ref.key }, 'ticket key changed');
    await this.saveSuccess(link.id, ref, snapshotAfter(desired, digest, previous, changes), attemptAt);
    this.deps.log.debug({ tracker: link.tracker, key: ref.key, changes: [...changes] }, 'ticket updated');
    return 'updated';
  }

  private saveSuccess(linkId: string, ref: TicketRef | null, snapshot: Snapshot | null, at: Date): Promise<TrackerLink> {
    return this.deps.prisma.trackerLink.update({
      where: { id: linkId },
      data: {
        ...(ref && { remoteId: ref.remoteId, key: ref.key, url: ref.url }),
        ...(snapshot && { snapshot }),
        syncState: 'synced',
        lastError: null,
        attempts: 0,
        lastAttemptAt: at,
        lastSyncedAt: new Date(),
      },
    });
  }

  private async saveFailure(link: TrackerLink, decision: Decision, at: Date): Promise<void> {
    this.deps.log.warn({ tracker: link.tracker, defectId: link.defectId, key: link.key, ...decision }, 'sync attempt failed');
    await this.deps.prisma.trackerLink
      .update({
        where: { id: link.id },
        data: { syncState: decision.state, lastError: decision.message, attempts: { increment: 1 }, lastAttemptAt: at },
      })
      .catch((err: unknown) => this.deps.log.error({ err }, 'could not record the failed attempt'));
  }
}

function asRef(link: TrackerLink): TicketRef {
  return { remoteId: link.remoteId!, key: link.key!, url: link.url! };
}
