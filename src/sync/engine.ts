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
import { decide, slowRetryDelayMs, type Decision, type SlowRetry } from './error-policy.ts';
import { loadTicket } from './ticket.ts';
import type { SyncLocks } from './lock.ts';
import { TrackerError } from '../../connectors/errors.ts';
import { syncWarnings } from './warnings.ts';

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
  /** Attempts a sync job makes (the queue's setting), and the reconciler's slower schedule after them. */
  retry: { jobAttempts: number; slow: SlowRetry };
};

/** What a successful sync records besides the snapshot: the defect version it read and what it could not carry. */
type SyncedFacts = { version: number; warnings: string[] };

export class SyncEngine {
  private readonly deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.deps = deps;
  }

  /** Brings the defect's ticket in `tracker` up to date; `finalAttempt` decides whether a transient error is final. */
  sync(tracker: TrackerKind, defectId: string, finalAttempt = false): Promise<SyncOutcome> {
    const connector = this.deps.connectors.get(tracker);
    if (!connector) throw new Error(`tracker ${tracker} is not configured`);
    return this.deps.locks.withLock(defectId, tracker, (lost) => this.syncLocked(connector, defectId, finalAttempt, lost));
  }

  private async syncLocked(connector: Connector, defectId: string, finalAttempt: boolean, lockLost: AbortSignal): Promise<SyncOutcome> {
    const { prisma, publicUrl } = this.deps;
    const tracker = connector.kind;
    const loaded = await loadTicket(prisma, defectId, publicUrl);
    if (!loaded) return 'skipped';
    const { ticket } = loaded;
    let link = await prisma.trackerLink.findUnique({ where: { defectId_tracker: { defectId, tracker } } });
    // A deleted or moved ticket is not recreated behind a person's back: relinking is their call.
    if (link?.syncState === 'missing') return 'skipped';

    const desired = connector.canonical(ticket.fields);
    const digest = contextDigest(ticket.context);
    const facts: SyncedFacts = { version: loaded.version, warnings: syncWarnings(connector, ticket.fields, this.deps.outbound) };
    const attemptAt = new Date();
    // Set once the create call is made, and once the tracker says the ticket exists.
    const creating = { called: false, created: false };
    // Writes below happen only while the lock is held; a lost lock session ends the attempt (transient).
    const save = this.guardedSave(lockLost);
    try {
      if (!link?.remoteId) {
        // A link row with a window means an earlier attempt may have created the ticket and died.
        const earlier = link?.createStartedAt ?? null;
        if (!link) link = await prisma.trackerLink.create({ data: { defectId, tracker, createStartedAt: attemptAt } });
        else if (!earlier) link = await save.link(link.id, { createStartedAt: attemptAt });
        const found = earlier && (await connector.findByMarker(defectId, earlier));
        if (!found) {
          const initial = ticketToCreate(ticket, this.deps.outbound);
          const linkId = link.id;
          creating.called = true;
          // The remote id is stored the moment the ticket exists, before any follow-up call can fail;
          // even with the lock lost, since it is a fact that spares the next attempt a marker search.
          const ref = await connector.create(initial, async (created) => {
            creating.created = true;
            await prisma.trackerLink.update({ where: { id: linkId }, data: { remoteId: created.remoteId, key: created.key, url: created.url } });
            save.check();
          });
          failpoint('sync.after-create');
          await save.success(link.id, ref, { fields: connector.canonical(initial.fields), contextDigest: digest }, attemptAt, facts);
          this.logWarnings(link, facts);
          return 'created';
        }
        // Adopt the ticket the crashed attempt made; it holds the defect as it was then, so read it
        // and let the update below send whatever changed since.
        const remote = await connector.read(found);
        link = await save.success(link.id, found, { fields: connector.canonical(remote.fields), contextDigest: '' }, attemptAt, facts);
        await this.update(connector, link, ticket, desired, digest, attemptAt, facts, save);
        return 'adopted';
      }
      return await this.update(connector, link, ticket, desired, digest, attemptAt, facts, save);
    } catch (err) {
      const decision = decide(err, finalAttempt);
      // The tracker refused the create before making anything: no ticket can stem from this attempt,
      // so the next one searches for the marker from its own start, not from an ever older one.
      const refusedCreate = creating.called && !creating.created && err instanceof TrackerError && (err.kind === 'rejected' || err.kind === 'rate_limited');
      if (link) await this.saveFailure(link, decision, attemptAt, refusedCreate);
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
    facts: SyncedFacts,
    save: GuardedSave,
  ): Promise<'updated' | 'unchanged'> {
    const previous = parseSnapshot(link.snapshot);
    const changes = planChanges(desired, digest, previous, this.deps.outbound);
    if (changes.size === 0) {
      // Still worth recording: the link now says when the ticket was last confirmed in step.
      await save.success(link.id, null, previous, attemptAt, facts);
      this.logWarnings(link, facts);
      return 'unchanged';
    }
    save.check();
    const ref = await connector.update(asRef(link), ticket, changes, previous?.fields ?? null);
    if (ref.key !== link.key) this.deps.log.info({ tracker: link.tracker, from: link.key, to: ref.key }, 'ticket key changed');
    await save.success(link.id, ref, snapshotAfter(desired, digest, previous, changes), attemptAt, facts);
    this.logWarnings(link, facts);
    this.deps.log.debug({ tracker: link.tracker, key: ref.key, changes: [...changes] }, 'ticket updated');
    return 'updated';
  }

  /** Link writes that refuse to run once the lock's session is gone (another worker may hold it by then). */
  private guardedSave(lockLost: AbortSignal): GuardedSave {
    const prisma = this.deps.prisma;
    const check = () => lockLost.throwIfAborted();
    return {
      check,
      link: (id, data) => {
        check();
        return prisma.trackerLink.update({ where: { id }, data });
      },
      success: (id, ref, snapshot, at, facts) => {
        check();
        return prisma.trackerLink.update({
          where: { id },
          data: {
            ...(ref && { remoteId: ref.remoteId, key: ref.key, url: ref.url }),
            ...(snapshot && { snapshot }),
            syncState: 'synced',
            lastError: null,
            attempts: 0,
            lastAttemptAt: at,
            lastSyncedAt: new Date(),
            nextAttemptAt: null,
            syncedVersion: facts.version,
            warnings: facts.warnings,
          },
        });
      },
    };
  }

  private logWarnings(link: TrackerLink, facts: SyncedFacts): void {
    if (facts.warnings.length) this.deps.log.warn({ tracker: link.tracker, defectId: link.defectId, key: link.key, warnings: facts.warnings }, 'synced with warnings');
  }

  private async saveFailure(link: TrackerLink, decision: Decision, at: Date, refusedCreate: boolean): Promise<void> {
    const { prisma, log, retry } = this.deps;
    log.warn({ tracker: link.tracker, defectId: link.defectId, key: link.key, ...decision }, 'sync attempt failed');
    try {
      const updated = await prisma.trackerLink.update({
        where: { id: link.id },
        data: {
          syncState: decision.state,
          lastError: decision.message,
          attempts: { increment: 1 },
          lastAttemptAt: at,
          nextAttemptAt: null,
          ...(refusedCreate && { createStartedAt: null }),
        },
      });
      if (decision.action === 'fail' && decision.retryLater) {
        // Rounds of the slow schedule so far: the job's own attempts come first, then one per requeue.
        const round = Math.max(1, updated.attempts - retry.jobAttempts + 1);
        const delayMs = slowRetryDelayMs(round, retry.slow);
        // The database's clock, the one the reconciler compares it with.
        await prisma.$executeRaw`UPDATE "TrackerLink" SET "nextAttemptAt" = now() + make_interval(secs => ${delayMs / 1000}::float8) WHERE id = ${link.id}::uuid`;
      }
    } catch (err) {
      log.error({ err }, 'could not record the failed attempt');
    }
  }
}

type GuardedSave = {
  check(): void;
  link(id: string, data: { createStartedAt?: Date; remoteId?: string; key?: string; url?: string }): Promise<TrackerLink>;
  success(id: string, ref: TicketRef | null, snapshot: Snapshot | null, at: Date, facts: SyncedFacts): Promise<TrackerLink>;
};

function asRef(link: TrackerLink): TicketRef {
  return { remoteId: link.remoteId!, key: link.key!, url: link.url! };
}
