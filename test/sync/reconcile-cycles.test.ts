// Review #27: one pass queues at most 1,000 links per kind of trouble and reads the links in windows, so more
// links in trouble than that are healed over several passes, each going on where the last one stopped:
// none is starved by the ones found first.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db.ts';
import { createQueues, deleteRedisPrefix, type SyncJobData } from '../../src/outbox/queues.ts';
import { reconcile, type ReconcileCursor } from '../../src/sync/reconcile.ts';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
const prefix = unique(`${queuePrefix}-cycles`);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queues = createQueues(connection, prefix, ['github', 'jira', 'asana']);
const EACH = 1200;
const BASE = -2_000_000; // defect numbers of this file's rows, below any other file's

afterAll(async () => {
  await prisma.$executeRaw`DELETE FROM "Defect" WHERE number <= ${BASE} AND number > ${BASE - 3 * EACH}`;
  await Promise.all([...queues.values()].map((q) => q.close()));
  connection.disconnect();
  await deleteRedisPrefix({ redisUrl }, prefix);
  await prisma.$disconnect();
});

describe('the reconciler over several passes', () => {
  it(`heals ${3 * EACH} links in trouble (${EACH} behind their defect, ${EACH} stale pending, ${EACH} due for a retry)`, async () => {
    // The rows state their own updatedAt (an hour ago), which the database's stamp would replace otherwise.
    const givenTimes = prisma.$executeRaw`SELECT set_config('defect_sync.given_updated_at', 'on', true)`;
    await prisma.$transaction([
      givenTimes,
      prisma.$executeRaw`
      INSERT INTO "Defect" (id, number, title, version, "updatedAt")
      SELECT gen_random_uuid(), ${BASE} - g, 'reconcile cycles ' || g, 2, now() - interval '1 hour' FROM generate_series(0, ${3 * EACH - 1}) g`,
      // g % 3 = 0: synced at version 1 of a defect at version 2 (its job lost); 1: pending, untouched for an hour; 2: due.
      prisma.$executeRaw`
      INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "remoteId", "syncState", "syncedVersion", "lastSyncedAt", "nextAttemptAt", "updatedAt")
      SELECT gen_random_uuid(), d.id, (ARRAY['github','jira','asana'])[1 + (${BASE} - d.number) % 3], (ARRAY['github','jira','asana'])[1 + (${BASE} - d.number) % 3]::"TrackerKind", d.number::text,
             (ARRAY['synced','pending','retrying'])[1 + (${BASE} - d.number) % 3]::"SyncState", 1, now() - interval '1 hour',
             CASE WHEN (${BASE} - d.number) % 3 = 2 THEN now() - interval '1 minute' END, now() - interval '1 hour'
      FROM "Defect" d WHERE d.number <= ${BASE} AND d.number > ${BASE - 3 * EACH}`,
    ]);
    const mine = new Set(
      (await prisma.$queryRaw<{ key: string }[]>`
        SELECT l."defectId"::text || '/' || l.connection AS key FROM "TrackerLink" l JOIN "Defect" d ON d.id = l."defectId"
        WHERE d.number <= ${BASE} AND d.number > ${BASE - 3 * EACH}`).map((r) => r.key),
    );
    expect(mine.size).toBe(3 * EACH);

    const cursor: ReconcileCursor = { unfinished: null, behind: null };
    const queued = async () => {
      const keys = new Set<string>();
      for (const [tracker, q] of queues) for (const job of await q.getJobs(['waiting'], 0, -1)) keys.add(`${(job.data as SyncJobData).defectId}/${tracker}`);
      return keys;
    };
    let passes = 0;
    let missing = [...mine];
    while (missing.length > 0 && passes < 40) {
      const n = await reconcile(prisma, queues, { staleMs: 30_000, cursor, window: 1000 });
      passes++;
      expect(n, `pass ${passes}`).toBeLessThanOrEqual(3 * 1000);
      const keys = await queued();
      missing = missing.filter((k) => !keys.has(k));
    }
    expect(missing, `links never queued after ${passes} passes`).toEqual([]);
    expect(passes).toBeGreaterThan(1); // more than one pass can queue: it took cycles
  });
});
