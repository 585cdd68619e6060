import { describe, expect, it } from 'vitest';
import { decide } from '../../src/sync/error-policy.ts';
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
    expect(decide(err('transient'), true)).toMatchObject({ action: 'fail', state: 'failed' });
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
