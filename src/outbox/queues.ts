// BullMQ queues: one per tracker kind, all under the QUEUE_PREFIX key prefix, so several deployments
// (or the test suite) can share a Redis without seeing each other's jobs.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { OutboxKind } from '../store/outbox.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
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

/** The scheduled poll job's data (job name 'poll'): it concerns no one defect. */
export const POLL_JOB: SyncJobData = { outboxId: 'poll', defectId: '', kind: 'defect.updated', version: 0, fields: [] };

export function queueName(tracker: TrackerKind): string {
  return `sync-${tracker}`;
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

/** How hard a sync job tries before its link waits for the reconciler's slower schedule. */
export type JobRetry = { attempts: number; backoffMs: number };

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  trackers: readonly TrackerKind[],
  retry?: JobRetry,
): Map<TrackerKind, Queue<SyncJobData>> {
  const defaultJobOptions: JobsOptions = retry
    ? { ...JOB_DEFAULTS, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 } }
    : JOB_DEFAULTS;
  return new Map(trackers.map((t) => [t, new Queue<SyncJobData>(queueName(t), { connection, prefix, defaultJobOptions })]));
}

/**
 * Sends a queue's connection errors (Redis away) to the log. Without a listener BullMQ prints each one
 * to stderr as a raw stack trace, outside the JSON log lines; the outage itself shows on /readyz.
 */
export function logQueueErrors(queues: ReadonlyMap<TrackerKind, Queue>, log: Logger): void {
  for (const [tracker, queue] of queues) queue.on('error', (err) => log.warn({ err: err.message, tracker }, 'queue: Redis unavailable'));
}

/** Deletes every key under the prefix, including sub-prefixes such as `<prefix>-crash:`. */
/** For throwaway deployments (tests, the demo); never pointed at a shared prefix. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
