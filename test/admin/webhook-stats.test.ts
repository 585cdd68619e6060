// Webhook counts for the admin status: hourly Redis buckets under the queue prefix, summed over 24 hours,
// counted in memory and written in one pipeline per flush.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { WebhookStats } from '../../src/admin/webhook-stats.ts';
import { queuePrefix, redisUrl, unique } from '../helpers/context.ts';

const redis = new Redis(redisUrl);
afterAll(() => redis.disconnect());
const HOUR = 3_600_000;
const NO_TIMER = 3_600_000;

describe('WebhookStats', () => {
  it('sums the last 24 hourly buckets per tracker and outcome, and lets older buckets expire', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const stats = new WebhookStats(redis, prefix, { flushMs: NO_TIMER });
    const now = Date.UTC(2026, 11, 1, 12, 30);
    stats.record('github', 'accepted', now);
    stats.record('github', 'accepted', now - 23 * HOUR); // the oldest bucket still counted
    stats.record('github', 'accepted', now - 24 * HOUR); // one bucket too old
    stats.record('github', 'duplicate', now);
    stats.record('jira', 'rejected', now - 2 * HOUR);
    stats.record('jira', 'unsigned', now - 3 * HOUR); // refused without a signature: counted apart
    stats.record('asana', 'handshake', now); // not a delivery: not counted
    await stats.close();
    // Another process reads what this one flushed.
    const counts = await new WebhookStats(redis, prefix, { flushMs: NO_TIMER }).last24h(['github', 'jira', 'asana'], now);
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

  it('writes many deliveries as one INCRBY per bucket, and shows its own unflushed counts at once', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const stats = new WebhookStats(redis, prefix, { flushMs: NO_TIMER });
    const now = Date.now();
    for (let i = 0; i < 500; i++) stats.record('github', i % 5 === 0 ? 'duplicate' : 'accepted', now);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]); // nothing written yet
    expect((await stats.last24h(['github'], now)).get('github')).toMatchObject({ accepted: 400, duplicate: 100 });

    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (String(args[1] ?? '').startsWith(prefix)) commands.push(String(args[0]).toLowerCase());
    });
    await stats.flush();
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    expect(commands.filter((c) => c === 'incrby')).toHaveLength(2);
    expect(commands.filter((c) => c === 'incr')).toHaveLength(0);
    const other = new WebhookStats(redis, prefix, { flushMs: NO_TIMER });
    expect((await other.last24h(['github'], now)).get('github')).toMatchObject({ accepted: 400, duplicate: 100 });
    // Counted once: flushed counts are no longer pending in the process that took them.
    expect((await stats.last24h(['github'], now)).get('github')).toMatchObject({ accepted: 400, duplicate: 100 });
    await stats.close();
  });

  it('counts exactly once when a flush runs while a read is in flight (the counts are neither in Redis nor pending for a moment)', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const stats = new WebhookStats(redis, prefix, { flushMs: NO_TIMER });
    const now = Date.now();
    for (let round = 1; round <= 20; round++) {
      stats.record('github', 'accepted', now);
      stats.record('github', 'accepted', now);
      const read = stats.last24h(['github'], now); // its MGET is on the wire...
      const flushed = stats.flush(); // ...when the timer's flush takes the pending counts
      const during = (await read).get('github')!.accepted;
      await flushed;
      const afterwards = (await stats.last24h(['github'], now)).get('github')!.accepted;
      expect([during, afterwards]).toEqual([2 * round, 2 * round]);
    }
    await stats.close();
  });

  it('keeps the counts of a flush Redis refused and writes them with the next one', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const broken = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const errors: unknown[] = [];
    const stats = new WebhookStats(broken, prefix, { flushMs: NO_TIMER, onFlushError: (err) => errors.push(err) });
    const now = Date.now();
    stats.record('jira', 'accepted', now);
    stats.record('jira', 'accepted', now);
    await stats.flush(); // not connected, no offline queue: refused
    expect(errors).toHaveLength(1);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    // The refused command started the lazy connection; wait until it is ready.
    if (broken.status !== 'ready') await new Promise((r) => broken.once('ready', r));
    stats.record('jira', 'accepted', now);
    await stats.close();
    expect((await new WebhookStats(redis, prefix, { flushMs: NO_TIMER }).last24h(['jira'], now)).get('jira')).toMatchObject({ accepted: 3 });
    broken.disconnect();
  });

  it('flushes on its own timer', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const stats = new WebhookStats(redis, prefix, { flushMs: 50 });
    stats.record('github', 'ignored');
    await expect.poll(async () => (await redis.keys(`${prefix}:*`)).length, { timeout: 2000 }).toBe(1);
    await stats.close();
  });

  it('keeps only the counts whose INCRBY failed, and a flush that throws does not stop later ones', async () => {
    const prefix = unique(`${queuePrefix}-hooks`);
    const errors: unknown[] = [];
    const stats = new WebhookStats(redis, prefix, { flushMs: NO_TIMER, onFlushError: (err) => errors.push(err) });
    const now = Date.now();
    const hour = Math.floor(now / HOUR);
    // Something else wrote a non-number where jira's count goes: its INCRBY fails, github's applies.
    await redis.set(`${prefix}:admin:webhooks:${hour}:jira:accepted`, 'not a number');
    stats.record('github', 'accepted', now);
    stats.record('jira', 'accepted', now);
    await stats.flush();
    expect(errors).toHaveLength(1);
    expect(await redis.get(`${prefix}:admin:webhooks:${hour}:github:accepted`)).toBe('1');
    await redis.del(`${prefix}:admin:webhooks:${hour}:jira:accepted`);
    await stats.flush(); // jira's kept count, and github's not written twice
    expect(await redis.get(`${prefix}:admin:webhooks:${hour}:github:accepted`)).toBe('1');
    expect(await redis.get(`${prefix}:admin:webhooks:${hour}:jira:accepted`)).toBe('1');

    // A client that throws while the transaction is built: reported, kept, and the next flush still runs.
    const throwing = Object.create(redis, { multi: { value: () => { throw new Error('no multi today'); } } });
    const fragile = new WebhookStats(throwing, prefix, { flushMs: NO_TIMER, onFlushError: (err) => errors.push(err) });
    fragile.record('asana', 'accepted', now);
    await expect(fragile.flush()).resolves.toBeUndefined();
    await expect(fragile.flush()).resolves.toBeUndefined();
    expect(errors.length).toBe(3);
    expect((await fragile.last24h(['asana'], now)).get('asana')).toMatchObject({ accepted: 1 }); // still pending, still shown
    await stats.close();
  });
});
