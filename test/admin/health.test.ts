// The health rule of the dashboard cards (src/admin/health.ts), case by case.
import { describe, expect, it } from 'vitest';
import { QUEUE_BACKLOG_AMBER, trackerHealth, type HealthInput } from '../../src/admin/health.ts';

const fine: HealthInput = {
  enabled: true,
  links: { synced: 10 },
  queue: { waiting: 0, delayed: 0 },
  webhooks: { rejected: 0 },
  lastSuccessAt: '2026-12-01T10:00:00.000Z',
  lastFailureAt: null,
  pollError: null,
};

describe('trackerHealth', () => {
  it('is off for a tracker that is not configured, whatever its old links say', () => {
    expect(trackerHealth({ ...fine, enabled: false, links: { failed: 3 } }).health).toBe('off');
  });

  it('is green when nothing needs a look', () => {
    expect(trackerHealth(fine)).toEqual({ health: 'green', reasons: [] });
  });

  it.each([
    ['a failed link', { links: { synced: 1, failed: 1 } }, /1 link\(s\) refused/],
    ['a failed poll', { pollError: 'ECONNREFUSED' }, /last poll failed: ECONNREFUSED/],
    ['a failure newer than the last success', { links: { retrying: 1 }, lastFailureAt: '2026-12-01T10:00:01.000Z' }, /no success since/],
    ['a failure and no success ever', { links: { retrying: 1 }, lastSuccessAt: null, lastFailureAt: '2026-12-01T09:00:00.000Z' }, /no success since/],
    ['an error in the last configuration check', { checkErrors: ['required fields with no value: customfield_10042 (Team)'] }, /^config check: required fields with no value: customfield_10042 \(Team\)$/],
  ] as const)('is red with %s', (_name, change, reason) => {
    const h = trackerHealth({ ...fine, ...change });
    expect(h.health).toBe('red');
    expect(h.reasons.join('; ')).toMatch(reason);
  });

  it.each([
    ['a retrying link older than the last success', { links: { retrying: 2 }, lastFailureAt: '2026-12-01T09:59:59.000Z' }, /2 link\(s\) retrying/],
    ['a missing ticket', { links: { missing: 1 } }, /missing their ticket/],
    ['a rejected signed webhook', { webhooks: { rejected: 4 } }, /4 signed webhook\(s\) rejected/],
    ['a queue backlog', { queue: { waiting: QUEUE_BACKLOG_AMBER, delayed: 1 } }, /jobs queued/],
  ] as const)('is amber with %s', (_name, change, reason) => {
    const h = trackerHealth({ ...fine, ...change });
    expect(h.health).toBe('amber');
    expect(h.reasons.join('; ')).toMatch(reason);
  });

  it('is not amber for a backlog at the threshold, nor when the queue counts are unknown', () => {
    expect(trackerHealth({ ...fine, queue: { waiting: QUEUE_BACKLOG_AMBER, delayed: 0 } }).health).toBe('green');
    expect(trackerHealth({ ...fine, queue: null, webhooks: null }).health).toBe('green');
  });
});
