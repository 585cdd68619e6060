// What an outgoing webhook delivery's answer means, and when it is tried again (pure): error handling as
// policy, in one table. Retried: 5xx, 429, a timeout, no answer. Not retried: any other 4xx, a redirect
// (not followed: a hook URL that redirects would be an open door to any address), an address refused by
// the SSRF guard. Retries back off from HOOKS_RETRY_BASE_MS (the first within 30 s by default) up to an
// hour apart, for the failure window (24 h); a hook failing for the whole window is disabled.

export type HookSettings = {
  /** HOOKS_ALLOW_PRIVATE: loopback and private addresses allowed (tests, on-premise receivers). */
  allowPrivate: boolean;
  /** HOOKS_RETRY_BASE_MS: the first retry's delay. */
  retryBaseMs: number;
  /** HOOKS_FAILURE_WINDOW_MS: how long a delivery is retried, and a hook may keep failing before it is disabled. */
  failureWindowMs: number;
};

/** What came back from one attempt. */
export type AttemptResult = { status: number; excerpt: string } | { error: 'timeout' | 'network' | 'refused'; excerpt: string };

export type AttemptOutcome = 'delivered' | 'retry' | 'give-up';

export function outcomeOf(r: AttemptResult): AttemptOutcome {
  if ('error' in r) return r.error === 'refused' ? 'give-up' : 'retry';
  if (r.status >= 200 && r.status < 300) return 'delivered';
  if (r.status >= 500 || r.status === 429) return 'retry';
  return 'give-up';
}

/** The steps between attempts, as multiples of the base: 5 s, 30 s, 2 min, 10 min, 30 min, then hourly by default. */
const STEPS = [1, 6, 24, 120, 360, 720];

/** How long to wait after the `failures`-th failed attempt (1-based). */
export function retryDelayMs(failures: number, baseMs: number): number {
  return baseMs * STEPS[Math.min(failures, STEPS.length) - 1]!;
}

export const HOOK_TIMEOUT_MS = 10_000;
/** How much of an answer a delivery record keeps. */
export const EXCERPT_CHARS = 500;
