// How fast GET /admin/sync-status answers over a large store: 100,000 defects and 300,000 tracker links
// (bulk-inserted with SQL), conflicts, activity, an outbox backlog and three live tracker queues. Prints
// p50/p95 over repeated calls and a one-line summary; asserts nothing. `npm run bench:status` (its own
// database and queue prefix, removed afterwards).
//   BENCH_STATUS_DEFECTS   defects (default 100000; three links each)
//   BENCH_STATUS_CALLS     timed calls (default 50, after 5 warm-up calls)
//   BENCH_STATUS_KEEP=1    keep the database afterwards (its name is printed) to EXPLAIN the queries
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createPrisma } from '../src/db.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { migrate } from '../src/migrate.ts';
import { deleteRedisPrefix } from '../src/outbox/queues.ts';
import { createAdminServices } from '../src/admin/services.ts';
import { wireRedis } from '../src/outbox/wiring.ts';
import { pct } from './lib/stats.ts';

const SERVER = process.env.BENCH_PG_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEFECTS = Number(process.env.BENCH_STATUS_DEFECTS ?? 100_000);
const CALLS = Number(process.env.BENCH_STATUS_CALLS ?? 50);
const TOKEN = 'bench-admin-token-0123456789';

const id = randomBytes(4).toString('hex');
const database = `defect_sync_bench_${id}`;
const databaseUrl = `${SERVER}/${database}`;
const prefix = `dsbench-${id}`;
const log = createLogger('silent');

/** The store an operator of a busy installation has: mostly synced links, some in trouble, recent conflicts. */
async function fill(db: pg.Client): Promise<void> {
  // A bulk load that states its rows' updatedAt (spread over a day): the database's stamp keeps out.
  await db.query(`SELECT set_config('defect_sync.given_updated_at', 'on', false)`);
  await db.query(`
    INSERT INTO "Defect" (id, title, severity, status, "updatedAt", version)
    SELECT gen_random_uuid(), 'bench defect ' || i, (ARRAY['critical','high','medium','low'])[1 + i % 4]::"Severity",
           (ARRAY['open','in_progress','resolved','closed','reopened'])[1 + i % 5]::"DefectStatus", now() - make_interval(mins => i % 10000), 1 + i % 7
    FROM generate_series(1, $1::int) AS i`, [DEFECTS]);
  // Three links per defect: 97% synced, 1% failed, 1% retrying, 0.5% missing, 0.5% pending.
  await db.query(`
    INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "remoteId", key, url, "syncState", "lastError", attempts,
                               "lastAttemptAt", "lastSyncedAt", "syncedVersion", "updatedAt")
    SELECT gen_random_uuid(), d.id, t.kind, t.kind::"TrackerKind", t.kind || '-' || d.number, t.kind || '-' || d.number, 'https://tracker.example/' || d.number,
           s.state::"SyncState", CASE WHEN s.state IN ('failed','retrying') THEN 'tracker answered 503' END,
           CASE WHEN s.state IN ('failed','retrying') THEN 1 ELSE 0 END,
           now() - make_interval(secs => (d.number * 7 + t.n) % 86400), 
           CASE WHEN s.state <> 'pending' THEN now() - make_interval(secs => (d.number * 13 + t.n) % 172800) END,
           d.version, now() - make_interval(secs => d.number % 86400)
    FROM "Defect" d
    CROSS JOIN (VALUES ('github', 1), ('jira', 2), ('asana', 3)) AS t(kind, n)
    CROSS JOIN LATERAL (SELECT CASE
        WHEN (d.number + t.n) % 200 = 0 THEN 'missing' WHEN (d.number + t.n) % 200 = 1 THEN 'pending'
        WHEN (d.number + t.n) % 100 = 2 THEN 'failed' WHEN (d.number + t.n) % 100 = 3 THEN 'retrying'
        ELSE 'synced' END AS state) s`);
  await db.query(`
    INSERT INTO "SyncConflict" ("defectId", connection, field, "defectValue", "remoteValue", winner, "decidedAt")
    SELECT id, (ARRAY['github','jira','asana'])[1 + number % 3], 'title', '"a"', '"b"', 'defect', now() - make_interval(mins => number % 2880)
    FROM "Defect" WHERE number % 20 = 0`);
  await db.query(`
    INSERT INTO "SyncActivity" ("defectId", connection, direction, outcome, at)
    SELECT id, (ARRAY['github','jira','asana'])[1 + number % 3], 'out', 'updated', now() - make_interval(mins => number % 43200)
    FROM "Defect"`);
  await db.query(`
    INSERT INTO "OutboxEvent" ("defectId", kind, payload, "createdAt")
    SELECT id, 'defect.updated', '{}', now() - make_interval(secs => number % 60) FROM "Defect" WHERE number % 100 = 0`);
  await db.query(`INSERT INTO "PollCursor" (connection, cursor, "lastPollAt") VALUES ('github', now(), now()), ('jira', now(), now()), ('asana', now(), now())`);
  // What autovacuum does soon after a bulk load: statistics, and the visibility map index-only scans use.
  await db.query('VACUUM ANALYZE');
}

async function main() {
  await migrate(databaseUrl, log);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const prisma = createPrisma(databaseUrl);
  const redis = wireRedis({ redisUrl: REDIS_URL, queuePrefix: prefix, connections: ['github', 'jira', 'asana'], log });
  const admin = createAdminServices({ redis });
  try {
    const t0 = performance.now();
    await fill(db);
    const links = (await db.query<{ n: string }>('SELECT count(*) AS n FROM "TrackerLink"')).rows[0]!.n;
    console.log(`Store: ${DEFECTS} defects, ${links} links, filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Some jobs in the queues, as a live installation has.
    for (const queue of admin.queues.values()) {
      await queue.addBulk(Array.from({ length: 200 }, (_, i) => ({ name: 'bench', data: { outboxId: 'bench', defectId: `d${i}`, kind: 'defect.updated' as const, version: 0, fields: [] }, opts: { delay: 3_600_000 } })));
    }
    await admin.webhookStats.record('github', 'accepted');

    const server = createApp({ prisma, log, adminToken: TOKEN, admin }).listen(0);
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/sync-status`;
    const call = async () => {
      const start = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { connections: { connection: string; links: Record<string, number>; health: string }[] };
      if (res.status !== 200) throw new Error(`sync-status answered ${res.status}: ${JSON.stringify(body)}`);
      return { ms: performance.now() - start, body };
    };
    for (let i = 0; i < 5; i++) await call(); // warm-up: connections, plans
    const times: number[] = [];
    let last;
    for (let i = 0; i < CALLS; i++) {
      last = await call();
      times.push(last.ms);
    }
    server.close();
    times.sort((a, b) => a - b);
    for (const tr of last!.body.connections) console.log(`  ${tr.connection}: ${tr.health}, links ${JSON.stringify(tr.links)}`);
    console.log(`GET /admin/sync-status, ${CALLS} calls one after another: p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`);
    console.log(`Summary: sync-status over ${DEFECTS} defects / ${links} links answers in p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms (target: well under 100 ms); load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  } finally {
    await admin.close();
    await redis.close();
    await prisma.$disconnect();
    await db.end();
    if (process.env.BENCH_STATUS_KEEP === '1') return void console.log(`kept database ${database}`);
    const root = new pg.Client({ connectionString: `${SERVER}/postgres` });
    await root.connect();
    await root.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await root.end();
    await deleteRedisPrefix({ redisUrl: REDIS_URL }, prefix);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
