// Benchmarks for the store and the outbox, against the real Postgres and Redis. Prints figures; asserts
// nothing. `npm run bench` (uses its own database and queue prefix, removed afterwards).
//   BENCH_DEFECTS   defects created through the API (default 2000)
//   BENCH_BACKLOG   outbox rows drained by the relay in the backlog run (default 10000)
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createPrisma } from '../src/db.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { migrate } from '../src/migrate.ts';
import { OutboxRelay } from '../src/outbox/relay.ts';
import { createQueues, jobIdFor } from '../src/outbox/queues.ts';
import { deleteRedisPrefix } from '../src/outbox/queues.ts';
import { pct } from './lib/stats.ts';

const SERVER = process.env.BENCH_PG_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEFECTS = Number(process.env.BENCH_DEFECTS ?? 2000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10000);
const CONCURRENCY = 16;

const id = randomBytes(4).toString('hex');
const database = `defect_sync_bench_${id}`;
const databaseUrl = `${SERVER}/${database}`;
const prefix = `dsbench-${id}`;
const log = createLogger('silent');

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

async function main() {
  await migrate(databaseUrl, log);
  const prisma = createPrisma(databaseUrl);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = createQueues(connection, prefix, ['github', 'jira', 'asana']);
  const server = createApp({ prisma, log }).listen(0);
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    // 1. API writes with the relay live: each create commits a defect, its history and an outbox row,
    //    and NOTIFY brings the relay, which queues the change for three trackers.
    const relay = new OutboxRelay({ prisma, databaseUrl, queues, log, sweepMs: 5000 });
    await relay.start();
    const latencies: number[] = [];
    const lag: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < DEFECTS) {
          const n = next++;
          const start = performance.now();
          const res = await fetch(`${base}/api/defects`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ title: `bench defect ${n}`, severity: 'high', tags: ['bench'] }),
          });
          if (res.status !== 201) throw new Error(`create answered ${res.status}`);
          await res.arrayBuffer();
          latencies.push(performance.now() - start);
        }
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;
    // Commit-to-queue lag, sampled on fresh single writes once the burst is over.
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      const res = await fetch(`${base}/api/defects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `lag probe ${i}` }),
      });
      const { id: defectId } = (await res.json()) as { id: string };
      const row = await prisma.outboxEvent.findFirstOrThrow({ where: { defectId } });
      while (!(await queues.get('asana')!.getJob(jobIdFor(row.id)))) await new Promise((r) => setTimeout(r, 1));
      lag.push(performance.now() - start);
    }
    await relay.stop();
    latencies.sort((a, b) => a - b);
    lag.sort((a, b) => a - b);
    console.log(`API create (${DEFECTS} defects, ${CONCURRENCY} concurrent, relay live): ${(DEFECTS / createSeconds).toFixed(0)} defects/s; latency p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`);
    console.log(`Commit → job in queue (POST answered and job visible, 50 probes): p50 ${pct(lag, 50).toFixed(1)} ms, p95 ${pct(lag, 95).toFixed(1)} ms`);

    // 2. Backlog drain: rows written while no relay ran (e.g. Redis was down), then one relay catches up.
    const raw = new pg.Client({ connectionString: databaseUrl });
    await raw.connect();
    await raw.query(
      `INSERT INTO "OutboxEvent" ("defectId", kind, payload)
       SELECT d.id, 'defect.updated', '{"version":2,"fields":["title"],"actor":"bench"}'::jsonb
       FROM generate_series(1, $1) g
       JOIN (SELECT id, row_number() OVER () - 1 AS n, count(*) OVER () AS total FROM "Defect") d ON d.n = g % d.total`,
      [BACKLOG],
    );
    await raw.end();
    const drain = new OutboxRelay({ prisma, databaseUrl, queues, log, sweepMs: 60_000 });
    const rssBefore = process.memoryUsage().rss;
    const t1 = performance.now();
    let handled = 0;
    for (let n; (n = await drain.publishBatch()) > 0; ) handled += n;
    const drainSeconds = (performance.now() - t1) / 1000;
    // Rows of one defect coalesce into one waiting job per queue (deduplication), so jobs < rows.
    const jobs = (await Promise.all([...queues.values()].map((q) => q.getJobCountByTypes('waiting', 'delayed', 'active', 'completed')))).reduce((a, b) => a + b, 0);
    console.log(`Backlog drain (${handled} rows over ${DEFECTS} defects → 3 queues, batches of 200): ${(handled / drainSeconds).toFixed(0)} rows/s; ${jobs} jobs in the queues after coalescing`);
    console.log(`Memory: RSS ${mb(process.memoryUsage().rss)} after the run (${mb(rssBefore)} before the drain), heap used ${mb(process.memoryUsage().heapUsed)}`);
  } finally {
    server.close();
    await Promise.all([...queues.values()].map((q) => q.close()));
    connection.disconnect();
    await prisma.$disconnect();
    const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
    await deleteRedisPrefix({ redisUrl: REDIS_URL }, prefix);
  }
}

await main();
