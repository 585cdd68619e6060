// BullMQ queues: one per tracker kind, all under the QUEUE_PREFIX key prefix, so several deployments
// (or the test suite) can share a Redis without seeing each other's jobs.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { OutboxKind } from '../store/outbox.ts';

export const TRACKER_KINDS = ['github', 'jira', 'asana'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number];

export type SyncJobData = {
  outboxId: string;
  defectId: string;
  kind: OutboxKind;
  version: number;
  fields: string[];
};

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

export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  trackers: readonly TrackerKind[],
): Map<TrackerKind, Queue<SyncJobData>> {
  return new Map(
    trackers.map((t) => [t, new Queue<SyncJobData>(queueName(t), { connection, prefix, defaultJobOptions: JOB_DEFAULTS })]),
  );
}
