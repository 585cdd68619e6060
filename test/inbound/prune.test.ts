// InboundEvent retention (review #11): handled rows (queuedAt set) older than INBOUND_RETENTION_DAYS are
// deleted in batches by the reconciler's periodic pass; unhandled rows and recent ones stay.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { testApi } from '../helpers/context.ts';
import { Inbox } from '../../src/inbound/inbox.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { PrismaClient } from '../../src/db.ts';

const { prisma } = testApi();

/** `n` rows received and handled `receivedDaysAgo` ago (queuedAt null when not handled), under one tag. */
async function rows(db: PrismaClient, tag: string, n: number, receivedDaysAgo: number, handled: boolean) {
  await db.$executeRaw`
    INSERT INTO "InboundEvent" (connection, "deliveryId", event, "remoteIds", source, "receivedAt", "queuedAt")
    SELECT 'github', ${tag} || '-' || g, 'issues.edited', ARRAY['1'], 'webhook',
           now() - make_interval(days => ${receivedDaysAgo}::int),
           CASE WHEN ${handled} THEN now() - make_interval(days => ${receivedDaysAgo}::int) + interval '1 second' END
    FROM generate_series(1, ${n}) g`;
}
const count = (db: PrismaClient, tag: string) => db.inboundEvent.count({ where: { deliveryId: { startsWith: `${tag}-` } } });

describe('InboundEvent retention', () => {
  it('deletes handled rows older than the retention in batches, keeping unhandled and recent rows', async () => {
    const tag = `prune-${randomUUID().slice(0, 8)}`;
    await rows(prisma, `${tag}-old`, 2_500, 8, true); // retention (7) + 1 day, handled: more than two batches
    await rows(prisma, `${tag}-unhandled`, 3, 30, false); // never queued: the sweep still needs them
    await rows(prisma, `${tag}-recent`, 4, 6, true);
    const inbox = new Inbox(prisma, new Map(), { ms: 0, maxMs: 0 });
    const deleted = await inbox.prune(7, 1_000);
    expect(deleted).toBeGreaterThanOrEqual(2_500);
    expect(await count(prisma, `${tag}-old`)).toBe(0);
    expect(await count(prisma, `${tag}-unhandled`)).toBe(3);
    expect(await count(prisma, `${tag}-recent`)).toBe(4);
    expect(await inbox.prune(7, 1_000)).toBe(0);
  });

  it('is run by the reconciler with INBOUND_RETENTION_DAYS', async () => {
    const tag = `prune-svc-${randomUUID().slice(0, 8)}`;
    await rows(prisma, `${tag}-old`, 1_200, 3, true);
    await rows(prisma, `${tag}-kept`, 2, 1, true);
    const { svc, stop } = await startWithTrackers({ env: { INBOUND_RETENTION_DAYS: '2', SYNC_RECONCILE_MS: '1000' } });
    await until('old handled rows pruned', async () => (await count(svc.prisma, `${tag}-old`)) === 0);
    expect(await count(svc.prisma, `${tag}-kept`)).toBe(2);
    await stop();
  });

  it('takes INBOUND_RETENTION_DAYS as a whole number of days, 7 by default', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://x/y' }).inboundRetentionDays).toBe(7);
    expect(loadConfig({ DATABASE_URL: 'postgresql://x/y', INBOUND_RETENTION_DAYS: '30' }).inboundRetentionDays).toBe(30);
    for (const bad of ['0', '-1', '1.5', 'week', '100000']) {
      expect(() => loadConfig({ DATABASE_URL: 'postgresql://x/y', INBOUND_RETENTION_DAYS: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://x/y', INBOUND_RETENTION_DAYS: '0' })).toThrow(/INBOUND_RETENTION_DAYS: must be at least 1/);
  });
});
