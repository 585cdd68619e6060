// Webhook counts for the admin status: hourly Redis buckets under the queue prefix, summed over 24 hours.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { WebhookStats } from '../../src/admin/webhook-stats.ts';
import { queuePrefix, redisUrl, unique } from '../helpers/context.ts';

const redis = new Redis(redisUrl);
afterAll(() => redis.disconnect());
const HOUR = 3_600_000;

describe('WebhookStats', () => {
  it('sums the last 24 hourly buckets per tracker and outcome, and lets older buckets expire', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const stats = new WebhookStats(redis, prefix);
    const now = Date.UTC(2026, 11, 1, 12, 30);
    await stats.record('github', 'accepted', now);
    await stats.record('github', 'accepted', now - 23 * HOUR); // the oldest bucket still counted
    await stats.record('github', 'accepted', now - 24 * HOUR); // one bucket too old
    await stats.record('github', 'duplicate', now);
    await stats.record('jira', 'rejected', now - 2 * HOUR);
    await stats.record('jira', 'unsigned', now - 3 * HOUR); // refused without a signature: counted apart
    await stats.record('asana', 'handshake', now); // not a delivery: not counted
    const counts = await stats.last24h(['github', 'jira', 'asana'], now);
    expect(counts.get('github')).toEqual({ accepted: 2, rejected: 0, unsigned: 0, duplicate: 1, ignored: 0 });
    expect(counts.get('jira')).toEqual({ accepted: 0, rejected: 1, unsigned: 1, duplicate: 0, ignored: 0 });
    expect(counts.get('asana')).toEqual({ accepted: 0, rejected: 0, unsigned: 0, duplicate: 0, ignored: 0 });

    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBe(6);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(24 * 3600);
      expect(ttl).toBeLessThanOrEqual(25 * 3600);
    }
  });
});
