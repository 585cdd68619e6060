// Error handling as policy: one switch from a failure's kind to what the link records and what the
// queue does next. Trackers' status codes were already turned into kinds by their connectors.
import { TrackerError } from '../../connectors/errors.ts';
import { describeDatabaseError, isDataRefusal } from '../store/db-errors.ts';

export type LinkState = 'retrying' | 'failed' | 'missing';

export type Decision =
  /** The tracker asked us to wait: pause the tracker's queue that long; the attempt does not count. */
  | { action: 'wait'; waitMs: number; state: 'retrying'; message: string }
  /** Try again later with exponential backoff and jitter (the queue's job options). */
  | { action: 'retry'; state: 'retrying'; message: string }
  /**
   * Fail the job now and keep the message on the link. `retryLater`: the cause was transient (the job
   * only ran out of attempts), so the reconciler tries again on its slower schedule; without it,
   * retrying cannot help and the link waits for a person.
   */
  | { action: 'fail'; state: 'failed'; message: string; retryLater?: true }
  /** The ticket is gone or moved: record it and stop; nothing will bring it back by retrying. */
  | { action: 'stop'; state: 'missing'; message: string };

/** Longest wait honoured from a tracker; beyond it the job retries on its own schedule instead. */
const MAX_WAIT_MS = 15 * 60_000;

export function decide(err: unknown, finalAttempt: boolean): Decision {
  const message = describe(err);
  // The database refused the data itself (a value it cannot hold, a constraint): the same write fails
  // the same way on every attempt, so it waits for a person instead of retrying without end.
  if (isDataRefusal(err)) return { action: 'fail', state: 'failed', message };
  if (!(err instanceof TrackerError)) {
    // Our own database or Redis hiccup: transient by nature.
    return finalAttempt ? { action: 'fail', state: 'failed', message, retryLater: true } : { action: 'retry', state: 'retrying', message };
  }
  switch (err.kind) {
    case 'rate_limited':
      return { action: 'wait', waitMs: Math.min(Math.max(err.retryAfterMs ?? 60_000, 1000), MAX_WAIT_MS), state: 'retrying', message };
    case 'transient':
      return finalAttempt ? { action: 'fail', state: 'failed', message, retryLater: true } : { action: 'retry', state: 'retrying', message };
    case 'rejected':
      return { action: 'fail', state: 'failed', message };
    case 'gone':
    case 'moved':
      return { action: 'stop', state: 'missing', message };
  }
}

/** The reconciler's schedule for links whose jobs ran out of attempts on transient errors. */
export type SlowRetry = { firstMs: number; maxMs: number };
export const SLOW_RETRY: SlowRetry = { firstMs: 60_000, maxMs: 30 * 60_000 };

/**
 * How long until the next automatic attempt after the `round`-th (1-based) failed job: doubling from
 * `firstMs`, capped at `maxMs`, minus up to a fifth at random so that links that failed together (one
 * outage) do not all come back in the same second.
 */
export function slowRetryDelayMs(round: number, schedule: SlowRetry = SLOW_RETRY, random = Math.random): number {
  const full = Math.min(schedule.firstMs * 2 ** Math.min(Math.max(round - 1, 0), 30), schedule.maxMs);
  return Math.round(full * (1 - 0.2 * random()));
}

function describe(err: unknown): string {
  // A database error in words, without Prisma's internal invocation text.
  const text = describeDatabaseError(err) ?? (err instanceof Error ? err.message : String(err));
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}
