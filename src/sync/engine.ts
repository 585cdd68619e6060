// Two-way sync of one defect with one connection's ticket, state-based: whatever the job says happened (a change of
// the defect, a webhook, a poll), the engine reads the defect and the ticket as they are now, merges
// them field by field against the link's snapshot (src/sync/two-way.ts) and writes only the difference
// each way. It sees tickets only in the common shape of connectors/contract.ts.
//
// Never two tickets: the link row is written before the first create call, so a retry after a crash
// knows an attempt began and looks for the ticket's marker before creating; the remote id is saved the
// moment the create returns; and SyncLocks keeps two workers off the same defect and connection.
import { recordHookEvent } from '../hooks/events.ts';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Connector, TicketField, TicketRef } from '../../connectors/contract.ts';
import type { ConnectionName } from './connections.ts';
import type { TrackerLink } from '../generated/prisma/client.ts';
import { failpoint } from '../failpoints.ts';
import { contextDigest, createdFields, parseSnapshot, ticketToCreate, type Snapshot } from './plan.ts';
import { decide, slowRetryDelayMs, type Decision, type SlowRetry } from './error-policy.ts';
import { loadTicketAndLink, ticketAndLinkOf, ticketAndLinkRead, type LoadedTicket } from './ticket.ts';
import { ensureLink, insertLink, markSynced, recordCreateAttempt, setRemote, type SyncedLink } from './link-writes.ts';
import { exchange } from './two-way.ts';
import { DefectMovedOn } from './apply-inbound.ts';
import type { Direction } from './sync-config.ts';
import type { LockSession, SyncLocks } from './lock.ts';
import { TrackerError } from '../../connectors/errors.ts';
import { syncWarnings } from './warnings.ts';
import type { Metrics } from '../metrics.ts';
import { recordActivity, type ActivityRecord } from '../store/sync-activity.ts';

import type { SyncOutcome } from './outcome.ts';
export type { SyncOutcome };

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
  connectors: ReadonlyMap<ConnectionName, Connector>;
  /** Fields written to trackers (direction both or outbound). */
  outbound: ReadonlySet<TicketField>;
  /** Each field's direction (both, outbound, inbound, off): who may change whom. */
  directions: Readonly<Record<TicketField, Direction>>;
  locks: SyncLocks;
  publicUrl: string;
  log: Logger;
  /** Attempts a sync job makes (the queue's setting), and the reconciler's slower schedule after them. */
  retry: { jobAttempts: number; slow: SlowRetry };
  /** Jobs by outcome, latency both ways and conflicts by field are recorded here when given. */
  metrics?: Metrics;
};

/** A sync's outcome, and whether the ticket needs the defect's comments copied now (it was just made, or adopted). */
export type TicketSynced = { outcome: SyncOutcome; copyComments: boolean };

/** What crossed during one attempt, for its activity row and the metrics. */
type Trace = { pushed: string[]; pulled: string[]; conflicts: string[]; pulledChangedAt?: Date };

/** What a successful sync records besides the snapshot: the defect version it read and what it could not carry. */
type SyncedFacts = { version: number; warnings: string[] };

export class SyncEngine {
  private readonly deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.deps = deps;
  }

  /** Brings the defect's ticket in `connection` up to date; `finalAttempt` decides whether a transient error is final. */
  async sync(connection: ConnectionName, defectId: string, finalAttempt = false): Promise<SyncOutcome> {
    return (await this.syncTicket(connection, defectId, finalAttempt)).outcome;
  }

  /**
   * As sync, and says whether the ticket now needs the defect's comments (it was just made or adopted).
   * `likelyNew`: the job's change suggests there is no ticket yet (the defect's creation, a backfill), so the
   * link row a create needs is written with the lock, if missing (a statement fewer per new ticket; on every
   * other job it would be a wasted write attempt). Only a hint: a missing link is created either way.
   */
  syncTicket(connection: ConnectionName, defectId: string, finalAttempt = false, likelyNew = true): Promise<TicketSynced> {
    const connector = this.deps.connectors.get(connection);
    if (!connector) throw new Error(`connection ${connection} is not configured`);
    // The first read rides with the lock (one round trip), and so does the link row a first create needs
    // (written only if there is none); a round after DefectMovedOn reads again. The attempt's time is taken
    // once a lock connection is in hand, not while waiting for one.
    let attemptAt = new Date();
    const first = () => {
      attemptAt = new Date();
      return { ...ticketAndLinkRead(defectId, connection), ...(likelyNew && { ensure: ensureLink(defectId, connector, attemptAt) }) };
    };
    return this.deps.locks.withLock(
      defectId,
      connection,
      async (lock) => {
        // A defect written between our read and applying the ticket's changes: read both again, at once.
        for (let round = 1; ; round++) {
          try {
            return await this.syncLocked(connector, defectId, finalAttempt, lock, round < 3, round === 1 ? { ...lock.first!, attemptAt } : null);
          } catch (err) {
            if (!(err instanceof SyncFailure && err.cause instanceof DefectMovedOn) || round >= 3) throw err;
          }
        }
      },
      first,
    );
  }

  private async syncLocked(
    connector: Connector,
    defectId: string,
    finalAttempt: boolean,
    lock: LockSession,
    mayRetryNow: boolean,
    /** The first round's read made with the lock, whether it wrote the link row and waited for the lock, and the time it gave the row. */
    prefetched: { rows: Record<string, unknown>[]; ensured: boolean; waited: boolean; attemptAt: Date } | null,
  ): Promise<TicketSynced> {
    const { prisma, publicUrl } = this.deps;
    const { connection } = connector;
    const { sql } = lock;
    const lockLost = lock.lost;
    // The defect, its failing runs and the link in one statement on the lock's connection.
    const read = prefetched ? ticketAndLinkOf(prefetched.rows, publicUrl) : await loadTicketAndLink(sql, defectId, connection, publicUrl);
    if (!read) return { outcome: 'skipped', copyComments: false };
    const { loaded } = read;
    const { ticket } = loaded;
    let link = read.link;
    // A deleted or moved ticket is not recreated behind a person's back: relinking is their call.
    if (link?.syncState === 'missing') return { outcome: 'skipped', copyComments: false };

    const digest = contextDigest(ticket.context);
    const facts: SyncedFacts = { version: loaded.version, warnings: syncWarnings(connector, ticket.fields, this.deps.outbound) };
    // After a wait for the lock the read's time is stale: the attempt is now.
    const attemptAt = prefetched && !prefetched.waited ? prefetched.attemptAt : new Date();
    // The link row this job's lock statement just wrote: no earlier attempt can have made a ticket.
    const fresh = prefetched?.ensured === true;
    // Set once the create call is made, and once the tracker says the ticket exists.
    const creating = { called: false, created: false };
    const trace: Trace = { pushed: [], pulled: [], conflicts: [] };
    // Writes below happen only while the lock is held; a lost lock session ends the attempt (transient).
    const save = this.guardedSave(lock);
    try {
      if (!link?.remoteId) {
        // A link row with a window means an earlier attempt may have created the ticket and died.
        const earlier = fresh ? null : (link?.createStartedAt ?? null);
        const latest = link?.lastCreateAttemptAt ?? earlier;
        if (!link) link = await insertLink(sql, defectId, connector, attemptAt);
        // A row this job wrote before a wait for the lock says the attempt began then: the marker search of
        // a retry trusts the tracker's index from the latest attempt's time, so it must be the create's own.
        else if (!earlier && (!fresh || prefetched?.waited)) link = await save.createAttempt(link.id, attemptAt);
        const found = earlier && (await connector.findByMarker(defectId, earlier, latest ?? earlier));
        if (!found) {
          // Every attempt that may make a ticket is recorded, so the next search waits for this one's.
          if (earlier) link = await save.createAttempt(link.id, attemptAt);
          const initial = ticketToCreate(ticket, this.deps.outbound);
          const linkId = link.id;
          creating.called = true;
          // The remote id is stored before any follow-up call can fail (or with the sync's final write
          // when none follows); even with the lock lost, since it is a fact that spares the next attempt a
          // marker search. Off the lock's connection, it goes through Prisma's pool.
          const saveRemote = (remote: TicketRef) => prisma.trackerLink.update({ where: { id: linkId }, data: { remoteId: remote.remoteId, key: remote.key, url: remote.url } });
          let remoteSaved = false;
          const record = async (created: TicketRef, beforeFollowUps: boolean) => {
            creating.created = true;
            // A crash here (the ticket exists, its id not yet saved) is what the marker search is for.
            failpoint('sync.after-create');
            if (lockLost.aborted) await saveRemote(created);
            else if (beforeFollowUps) await setRemote(sql, linkId, created).catch(() => saveRemote(created));
            remoteSaved = lockLost.aborted || beforeFollowUps;
            save.check();
          };
          const ref = await connector.create(initial, (created) => record(created, true));
          // A create with no follow-up call returns without onCreated: its id rides in markSynced below
          // (a statement fewer per ticket), unless the lock is gone and markSynced will not run.
          if (!creating.created) await record(ref, false);
          const { withheld = [], ...created } = ref;
          facts.warnings.push(...withheld.map((w) => w.reason));
          const fields = createdFields(connector.canonical(initial.fields, initial.context), withheld.map((w) => w.change));
          trace.pushed = [...this.deps.outbound, 'context'];
          const synced = await save.last(link.id, created, { fields, contextDigest: digest }, attemptAt, facts, { ...trace, outcome: 'created' }).catch(async (err: unknown) => {
            // The final write failed with the id not yet saved: save it apart, so the retry needs no search.
            if (!remoteSaved) await saveRemote(created).catch(() => undefined);
            throw err;
          });
          this.logWarnings(link, facts);
          // A comment made before the ticket existed: its own job found no ticket, so this one copies it.
          return { outcome: await this.finished(connector, defectId, 'created', trace, loaded, true), copyComments: synced.hasComments };
        }
        // Adopt the ticket the crashed attempt made; it holds the defect as it was then, so read it
        // and let the update below send whatever changed since.
        const remote = await connector.read(found);
        link = await save.success(link.id, found, { fields: connector.canonical(remote.fields), contextDigest: '' }, attemptAt, facts);
        await this.exchange(connector, link, loaded, digest, attemptAt, facts, save, trace, 'adopted');
        // The crashed attempt may have copied some comments already: the pass lists the ticket's first.
        return { outcome: await this.finished(connector, defectId, 'adopted', trace, loaded, true), copyComments: true };
      }
      const outcome = await this.exchange(connector, link, loaded, digest, attemptAt, facts, save, trace);
      return { outcome: await this.finished(connector, defectId, outcome, trace, loaded, true), copyComments: false };
    } catch (err) {
      // Not a failure of the ticket: the caller reads both sides again right away.
      if (err instanceof DefectMovedOn && mayRetryNow) throw new SyncFailure({ action: 'retry', state: 'retrying', message: err.message }, err);
      const decision = decide(err, finalAttempt);
      // The tracker refused the create before making anything: no ticket can stem from this attempt,
      // so the next one searches for the marker from its own start, not from an ever older one.
      const refusedCreate = creating.called && !creating.created && err instanceof TrackerError && (err.kind === 'rejected' || err.kind === 'rate_limited');
      if (link) await this.saveFailure(link, decision, attemptAt, refusedCreate);
      this.deps.metrics?.syncJob(connector, err instanceof TrackerError ? err.kind : 'error');
      await recordActivity(prisma, this.deps.log, { defectId, connection, ...trace, outcome: decision.state, error: decision.message });
      throw new SyncFailure(decision, err);
    }
  }

  private async exchange(
    connector: Connector,
    link: TrackerLink,
    loaded: LoadedTicket,
    digest: string,
    attemptAt: Date,
    facts: SyncedFacts,
    save: GuardedSave,
    trace: Trace,
    /** The outcome the activity row records when it is not this exchange's own (a ticket adopted). */
    outcomeAs?: SyncOutcome,
  ): Promise<'updated' | 'unchanged'> {
    save.check();
    const { prisma, directions, log } = this.deps;
    const result = await exchange(
      { prisma, directions, log },
      {
        connector,
        ref: asRef(link),
        ticket: loaded.ticket,
        defect: { id: link.defectId, version: loaded.version, fieldChangedAt: loaded.fieldChangedAt },
        snapshot: parseSnapshot(link.snapshot),
        digest,
        lockLost: save.check,
      },
    );
    facts.warnings.push(...result.warnings);
    trace.pushed = [...result.pushed];
    trace.pulled = result.pulled;
    trace.conflicts = result.conflicts.map((c) => `${c.field}→${c.winner}`);
    if (result.pulledChangedAt) trace.pulledChangedAt = result.pulledChangedAt;
    for (const c of result.conflicts) this.deps.metrics?.conflict(c.field);
    if (result.version !== undefined) facts.version = result.version;
    if (result.ref.key !== link.key) log.info({ connection: link.connection, from: link.key, to: result.ref.key }, 'ticket key changed');
    const changed = result.pushed.size > 0 || result.pulled.length > 0;
    const outcome = changed ? 'updated' : 'unchanged';
    await save.last(link.id, result.ref, result.snapshot, attemptAt, facts, { ...trace, outcome: outcomeAs ?? outcome });
    this.logWarnings(link, facts);
    if (changed) log.debug({ connection: link.connection, key: result.ref.key, pushed: [...result.pushed], pulled: result.pulled }, 'ticket exchanged');
    return outcome;
  }

  /**
   * A finished attempt: its activity row, the job outcome, and how long the changes took to cross:
   * outbound from the defect's newest stamp among the fields written (its commit) to now, inbound from
   * the tracker's time of the change to now (clamped at 0: the tracker's clock may run ahead of ours).
   */
  private async finished(connector: Connector, defectId: string, outcome: SyncOutcome, trace: Trace, loaded: LoadedTicket, recorded = false): Promise<SyncOutcome> {
    const { metrics, prisma, log } = this.deps;
    // A success records its activity row with the link's own write (markSynced); anything else here.
    if (!recorded) await recordActivity(prisma, log, { defectId, connection: connector.connection, ...trace, outcome });
    if (!metrics) return outcome;
    metrics.syncJob(connector, outcome);
    const now = Date.now();
    const committed = newestStamp(loaded.fieldChangedAt, trace.pushed);
    if (committed !== undefined) metrics.syncLatency('outbound', connector, Math.max(0, now - committed) / 1000);
    if (trace.pulledChangedAt) metrics.syncLatency('inbound', connector, Math.max(0, now - trace.pulledChangedAt.getTime()) / 1000);
    return outcome;
  }

  /** Link writes that refuse to run once the lock's session is gone (another worker may hold it by then). */
  private guardedSave({ lost, sql, sqlThenUnlock }: LockSession): GuardedSave {
    const check = () => lost.throwIfAborted();
    return {
      check,
      createAttempt: (id, at) => {
        check();
        return recordCreateAttempt(sql, id, at);
      },
      success: (id, ref, snapshot, at, facts, activity) => {
        check();
        return markSynced(sql, id, ref, snapshot, at, facts, activity);
      },
      last: (id, ref, snapshot, at, facts, activity) => {
        check();
        return markSynced(sqlThenUnlock, id, ref, snapshot, at, facts, activity);
      },
    };
  }

  private logWarnings(link: TrackerLink, facts: SyncedFacts): void {
    if (facts.warnings.length) this.deps.log.warn({ connection: link.connection, defectId: link.defectId, key: link.key, warnings: facts.warnings }, 'synced with warnings');
  }

  private async saveFailure(link: TrackerLink, decision: Decision, at: Date, refusedCreate: boolean): Promise<void> {
    const { prisma, log, retry } = this.deps;
    log.warn({ tracker: link.tracker, defectId: link.defectId, key: link.key, ...decision }, 'sync attempt failed');
    try {
      const [updated] = await prisma.$queryRaw<{ attempts: number }[]>`
        UPDATE "TrackerLink" SET "syncState" = ${decision.state}::"SyncState", "lastError" = ${decision.message}, attempts = attempts + 1,
          "lastAttemptAt" = ${at}, "nextAttemptAt" = NULL, "createStartedAt" = CASE WHEN ${refusedCreate} THEN NULL ELSE "createStartedAt" END,
          "lastCreateAttemptAt" = CASE WHEN ${refusedCreate} THEN NULL ELSE "lastCreateAttemptAt" END
        WHERE id = ${link.id}::uuid
          -- This very attempt's success committed (its last write's CALL failed only after the COMMIT, the
          -- connection lost then): the link is synced, not failing.
          AND NOT ("syncState" = 'synced' AND "lastAttemptAt" = ${at})
        RETURNING attempts`;
      if (!updated) return;
      // A link newly failed is news for the outgoing webhooks (a retry of a failed link is not).
      if (decision.state === 'failed' && link.syncState !== 'failed') {
        await recordHookEvent(prisma, ['sync.link_failed'], link.defectId, { connection: link.connection, tracker: link.tracker, key: link.key, error: decision.message });
      }
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
  createAttempt(id: string, at: Date): Promise<TrackerLink>;
  success(id: string, ref: TicketRef | null, snapshot: Snapshot | null, at: Date, facts: SyncedFacts, activity?: Omit<ActivityRecord, 'defectId' | 'connection'>): Promise<SyncedLink>;
  /** As success, as the attempt's last write: committed and the lock released in the same round trip. */
  last(id: string, ref: TicketRef | null, snapshot: Snapshot | null, at: Date, facts: SyncedFacts, activity?: Omit<ActivityRecord, 'defectId' | 'connection'>): Promise<SyncedLink>;
};

/** The newest of the defect's change stamps (fieldChangedAt) among `fields`, in ms; undefined when none is stamped. */
function newestStamp(fieldChangedAt: unknown, fields: readonly string[]): number | undefined {
  if (!fieldChangedAt || typeof fieldChangedAt !== 'object') return undefined;
  const times = fields.map((f) => Date.parse(String((fieldChangedAt as Record<string, unknown>)[f]))).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

function asRef(link: TrackerLink): TicketRef {
  return { remoteId: link.remoteId!, key: link.key!, url: link.url! };
}
