import { describe, expect, it } from 'vitest';
import { decide, slowRetryDelayMs } from '../../src/sync/error-policy.ts';
import { TrackerError } from '../../connectors/errors.ts';

const err = (kind: ConstructorParameters<typeof TrackerError>[1], extra: { retryAfterMs?: number } = {}) =>
  new TrackerError('jira', kind, `jira said ${kind}`, extra);

describe('sync error policy', () => {
  it('waits as long as the tracker asks on a rate limit, without failing', () => {
    expect(decide(err('rate_limited', { retryAfterMs: 2000 }), true)).toMatchObject({ action: 'wait', waitMs: 2000, state: 'retrying' });
  });

  it('bounds an absurd wait and a missing one', () => {
    expect(decide(err('rate_limited', { retryAfterMs: 10 * 3600_000 }), false)).toMatchObject({ waitMs: 15 * 60_000 });
    expect(decide(err('rate_limited', { retryAfterMs: 0 }), false)).toMatchObject({ waitMs: 1000 });
  });

  it('retries transient errors until the last attempt, then fails', () => {
    expect(decide(err('transient'), false)).toMatchObject({ action: 'retry', state: 'retrying' });
    expect(decide(err('transient'), true)).toEqual({ action: 'fail', state: 'failed', message: 'jira said transient', retryLater: true });
    expect(decide(new Error('connection reset'), true)).toMatchObject({ action: 'fail', retryLater: true });
  });

  it('fails a rejected request at once, keeping the message', () => {
    expect(decide(err('rejected'), false)).toEqual({ action: 'fail', state: 'failed', message: 'jira said rejected' });
  });

  it('records a deleted or moved ticket as missing and stops', () => {
    expect(decide(err('gone'), false)).toMatchObject({ action: 'stop', state: 'missing' });
    expect(decide(err('moved'), false)).toMatchObject({ action: 'stop', state: 'missing' });
  });

  it('treats our own failures (database, Redis) as transient', () => {
    expect(decide(new Error('connection reset'), false)).toMatchObject({ action: 'retry', message: 'connection reset' });
  });
});

describe('the slow retry schedule after a job gave up', () => {
  const exact = () => 0; // no jitter
  it('doubles from a minute up to half an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((round) => slowRetryDelayMs(round, undefined, exact) / 60_000)).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });

  it('takes up to a fifth off at random, so links that failed together spread out', () => {
    expect(slowRetryDelayMs(1, undefined, () => 0.999)).toBeGreaterThan(48_000);
    expect(slowRetryDelayMs(1, undefined, () => 0.5)).toBe(54_000);
    expect(slowRetryDelayMs(1, { firstMs: 100, maxMs: 150 }, exact)).toBe(100);
    expect(slowRetryDelayMs(3, { firstMs: 100, maxMs: 150 }, exact)).toBe(150);
  });

  it('treats a nonsensical round as the first', () => {
    expect(slowRetryDelayMs(0, undefined, exact)).toBe(60_000);
    expect(slowRetryDelayMs(-3, undefined, exact)).toBe(60_000);
  });
});
