// BullMQ queues: one per connection (a 429 or an outage pauses only that connection's), all under the QUEUE_PREFIX key prefix, so several deployments
// (or the test suite) can share a Redis without seeing each other's jobs.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { isRedisClient, mastersOf, redisFrom, type RedisClient, type RedisTarget } from '../redis.ts';
import type { OutboxKind } from '../store/outbox.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { Logger } from '../logger.ts';

export { TRACKER_KINDS, type TrackerKind } from '../../connectors/contract.ts';

/**
 * "Bring defect D up to date in this tracker". The worker reads the defect's current state, so the
 * event fields are for logs and tracing only; jobs from reconciliation carry outboxId 'reconcile'.
 */
export type SyncJobData = {
  outboxId: string;
  defectId: string;
  kind: OutboxKind;
  version: number;
  fields: string[];
};

/** The job name of "bring the defect's comments and the ticket's into agreement" (src/sync/comment-sync.ts). */
export const COMMENTS_JOB = 'comments';
/** A comments job that must read the ticket's comments (the change was on the tracker's side). */
export const COMMENTS_IN_JOB = 'comments-in';

/**
 * The deduplication subject of a job: the defect for sync jobs; comment jobs coalesce among themselves
 * (outbound, and those that read the tracker's comments, apart), never with a defect's sync job.
 */
export function dedupeKeyOf(kindOrName: string, defectId: string): string {
  if (kindOrName === 'defect.commented' || kindOrName === COMMENTS_JOB) return `${defectId}-comments`;
  if (kindOrName === COMMENTS_IN_JOB) return `${defectId}-comments-in`;
  return defectId;
}

/** The scheduled poll job's data (job name 'poll'): it concerns no one defect. */
export const POLL_JOB: SyncJobData = { outboxId: 'poll', defectId: '', kind: 'defect.updated', version: 0, fields: [] };

export function queueName(connection: ConnectionName): string {
  return `sync-${connection}`;
}

/** Deterministic per outbox row: republishing the same row after a crash is a no-op in BullMQ. */
export function jobIdFor(outboxId: bigint | string): string {
  return `outbox-${outboxId}`;
}

export const JOB_DEFAULTS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  // Completed jobs stay a day so a relay that crashed before marking its rows re-adds the same ids
  // onto existing jobs (ignored) instead of creating fresh ones.
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Options that make bursts coalesce. A debounce, not a fixed window: the job waits `debounceMs`, and
 * every further change of the same defect while it waits replaces it and starts the wait again
 * (BullMQ deduplication in debounce mode: ttl, extend, replace), so a burst of edits costs one sync
 * once the edits pause, however long the burst. The worker drops the deduplication key as it starts,
 * before reading the defect, so a change made during a sync gets a job of its own instead of being lost.
 */
export function syncJobOptions(jobId: string, defectId: string, debounceMs: number): JobsOptions {
  const id = `defect-${defectId}`;
  if (debounceMs <= 0) return { jobId, deduplication: { id } };
  return { jobId, delay: debounceMs, deduplication: { id, ttl: debounceMs, extend: true, replace: true } };
}

/**
 * A backfill job's options (src/admin/backfill.ts). BullMQ takes every job without a priority (waiting)
 * before any job with one (prioritized), and the queue's limiter counts both, so the backlog uses only
 * the rate ordinary changes leave over. No deduplication key: with the change jobs' key a backfill job
 * waiting would swallow a change (a duplicate is ignored unless the waiting job is delayed, and the
 * change would then wait behind the backlog), and a change's `replace` could remove it. The two simply
 * both run; the engine's lock and link make the second a plain update. The id holds the defect once per
 * run; a finished job is removed at once, so 100,000 of them do not push the change jobs kept for the
 * relay's crash check out of the completed set (their link, not the job, records that they ran).
 */
export const BACKFILL_PRIORITY = 100;

export function backfillJobOptions(run: number, defectId: string): JobsOptions {
  return { jobId: `backfill-${run}-${defectId}`, priority: BACKFILL_PRIORITY, removeOnComplete: true };
}

/** SYNC_DEBOUNCE_MS and SYNC_DEBOUNCE_MAX_MS: the wait after each change, and the most a change waits. */
export type Debounce = { ms: number; maxMs: number };

/**
 * Where the time of a defect's first change still waiting for its sync job is kept (per tracker queue),
 * in Redis' own clock: every producer (relays, inboxes in other processes) measures against one clock.
 */
export function firstChangeKey(queueQualifiedName: string, defectId: string): string {
  return `${queueQualifiedName}:first-change:${defectId}`;
}

// For each key: remember now as the first pending change unless one is remembered (it expires after the
// maximum wait, by which time its job is due anyway); answer Redis' now and each key's first change.
const FIRST_CHANGES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], now, 'NX', 'PX', ARGV[1])
  out[i + 1] = tonumber(redis.call('GET', KEYS[i]))
end
return out`;

/**
 * syncJobOptions with a maximum wait (review #22). BullMQ's debounce restarts the wait at each change and
 * has no maximum of its own, so a defect changed more often than once per `ms` would never sync while the
 * changes go on. Each job's delay is therefore the debounce, cut to what is left of `maxMs` since the
 * first change still pending; a later add with a shorter delay replaces the waiting job, so the sync runs
 * at most `maxMs` after that first change. The worker forgets the first change when it starts a job
 * (startChangeJob), before it reads the defect. One round trip for all the jobs.
 */
export async function debouncedJobOptions(
  queue: Queue<SyncJobData>,
  jobs: readonly { jobId: string; defectId: string }[],
  debounce: Debounce,
): Promise<JobsOptions[]> {
  if (debounce.ms <= 0 || jobs.length === 0) return jobs.map((j) => syncJobOptions(j.jobId, j.defectId, 0));
  const keys = jobs.map((j) => firstChangeKey(queue.qualifiedName, j.defectId));
  const [now, ...firsts] = (await scripted(redisOf(queue)).defectSyncFirstChanges(keys.length, ...keys, String(Math.max(debounce.maxMs, 1)))) as number[];
  return jobs.map((j, i) => {
    const left = (firsts[i] ?? now!) + debounce.maxMs - now!;
    return syncJobOptions(j.jobId, j.defectId, Math.max(0, Math.min(debounce.ms, left)));
  });
}

// A change job starting: forget its defect's first pending change (the next change starts a new maximum
// wait), then drop the job's deduplication key if it is still this job's (BullMQ's removeDeduplicationKey
// rule), so a change from here on queues a new job. One round trip where the two were two. The keys share
// the queue's prefix, so in a Cluster (a hash-tag prefix) they are in one slot.
const START_CHANGE_JOB = `
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 0`;

type StartingJob = { id?: string; deduplicationId?: string; queueQualifiedName: string };

/** Called by the worker as it starts a change job of `dedupe` (dedupeKeyOf), before it reads the defect. */
export async function startChangeJob(worker: { opts: { connection: unknown }; keys: Record<string, string> }, job: StartingJob, dedupe: string): Promise<void> {
  const keys = [firstChangeKey(job.queueQualifiedName, dedupe), `${worker.keys.de}:${job.deduplicationId ?? ''}`];
  await scripted(redisOf(worker)).defectSyncStartChangeJob(keys[0]!, keys[1]!, job.id ?? '');
}

type Scripts = {
  defectSyncStartChangeJob(firstChange: string, dedupe: string, jobId: string): Promise<unknown>;
  /** FIRST_CHANGES: the number of keys, the keys, then the maximum wait in ms. */
  defectSyncFirstChanges(...keysThenMaxMs: (number | string)[]): Promise<unknown>;
};

/** The client with the scripts defined (EVALSHA: the text is sent again only if Redis does not have it). */
function scripted(redis: RedisClient): RedisClient & Scripts {
  if (!('defectSyncStartChangeJob' in redis)) {
    redis.defineCommand('defectSyncStartChangeJob', { numberOfKeys: 2, lua: START_CHANGE_JOB });
    // As many keys as the batch has: given first, as EVAL's numkeys.
    redis.defineCommand('defectSyncFirstChanges', { lua: FIRST_CHANGES });
  }
  return redis as RedisClient & Scripts;
}

/** The ioredis connection a queue or worker was built on (createQueues and the workers are always given one). */
function redisOf(q: { opts: { connection: unknown } }): RedisClient {
  const c = q.opts.connection;
  if (isRedisClient(c)) return c;
  throw new Error('sync queues and workers must be built on an ioredis connection (src/redis.ts)');
}

/** How hard a sync job tries before its link waits for the reconciler's slower schedule. */
export type JobRetry = { attempts: number; backoffMs: number };

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  connections: readonly ConnectionName[],
  retry?: JobRetry,
): Map<ConnectionName, Queue<SyncJobData>> {
  const defaultJobOptions: JobsOptions = retry
    ? { ...JOB_DEFAULTS, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 } }
    : JOB_DEFAULTS;
  return new Map(connections.map((name) => [name, new Queue<SyncJobData>(queueName(name), { connection, prefix, defaultJobOptions })]));
}

/**
 * Sends a queue's connection errors (Redis away) to the log. Without a listener BullMQ prints each one
 * to stderr as a raw stack trace, outside the JSON log lines; the outage itself shows on /readyz.
 */
export function logQueueErrors(queues: ReadonlyMap<ConnectionName, Queue>, log: Logger): void {
  for (const [connection, queue] of queues) queue.on('error', (err) => log.warn({ err: err.message, connection }, 'queue: Redis unavailable'));
}

/**
 * Clears the queues of connections no longer configured: jobs that would wait for ever on a tracker no
 * process serves, and their poll schedules. Nothing is lost (a job only says "bring these two into
 * agreement"; configuring the connection again re-queues its links). A queue with a job still running (a
 * process with the old configuration) is left for a later start.
 */
export async function clearRetiredQueues(connection: ConnectionOptions, prefix: string, retired: readonly ConnectionName[], log: Logger): Promise<void> {
  for (const name of retired) {
    const queue = new Queue(queueName(name), { connection, prefix });
    try {
      await queue.obliterate();
    } catch (err) {
      log.warn({ err: (err as Error).message, connection: name }, 'the retired connection\'s queue still has a running job (a process with the old configuration?); cleared at a later start');
    } finally {
      await queue.close();
    }
  }
}

/**
 * Deletes every key under the prefix, including sub-prefixes such as `<prefix>-crash:`. For throwaway
 * deployments (tests, the demo); never pointed at a shared prefix. On a cluster each master holds its
 * own slots' keys, so every master is scanned, and its keys are deleted on that master one by one (one
 * DEL of keys in several slots would be refused).
 */
export async function deleteRedisPrefix(target: RedisTarget, prefix: string): Promise<void> {
  const redis = redisFrom(target, 'tool');
  try {
    await redis.ping(); // a cluster knows its masters once it is connected
    for (const node of mastersOf(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await node.pipeline(keys.map((k) => ['del', k])).exec();
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
