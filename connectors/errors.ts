// Every connector reports failures as a TrackerError of one of these kinds; the sync engine's error
// policy is a switch over the kind, never over a tracker's status codes or messages.
import type { TrackerKind } from './contract.ts';

export type TrackerErrorKind =
  /** 429 or a GitHub rate limit: wait retryAfterMs, then try again without counting an attempt. */
  | 'rate_limited'
  /** 5xx, timeouts, network errors: retry with backoff. */
  | 'transient'
  /** 400/401/403/422 and other refusals: retrying cannot help; a person must act. */
  | 'rejected'
  /** The ticket was deleted (404/410 on a ticket we know). */
  | 'gone'
  /** The ticket moved out of the configured repository/project. */
  | 'moved';

export class TrackerError extends Error {
  readonly tracker: TrackerKind;
  readonly kind: TrackerErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    tracker: TrackerKind,
    kind: TrackerErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'TrackerError';
    this.tracker = tracker;
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** Seconds (or an HTTP date) from a Retry-After header, as milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Network-level failures that deserve a retry (no HTTP status at all). */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: string; cause?: { code?: string } })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  const name = (err as { name?: string })?.name;
  return (
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNABORTED'].includes(code))
  );
}

/**
 * The common part of every connector's classification: an HTTP status (plus the tracker's message
 * and the wait it asked for) becomes a kind. `onTicket` says the request addressed a known ticket,
 * so a 404 means the ticket is gone rather than the configuration being wrong.
 */
export function classifyStatus(
  tracker: TrackerKind,
  status: number,
  message: string,
  opts: { retryAfterMs?: number; onTicket?: boolean; cause?: unknown } = {},
): TrackerError {
  const base = { status, cause: opts.cause, ...(opts.retryAfterMs !== undefined && { retryAfterMs: opts.retryAfterMs }) };
  const text = `${tracker} answered ${status}: ${message}`;
  if (status === 429) return new TrackerError(tracker, 'rate_limited', text, { ...base, retryAfterMs: opts.retryAfterMs ?? 60_000 });
  if (status >= 500 || status === 408) return new TrackerError(tracker, 'transient', text, base);
  if ((status === 404 || status === 410) && opts.onTicket) return new TrackerError(tracker, 'gone', text, base);
  return new TrackerError(tracker, 'rejected', text, base);
}
