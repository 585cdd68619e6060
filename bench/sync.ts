// Outbound sync throughput against the local fake trackers: the real service (`node src/main.ts all`)
// in a child process, driven over HTTP. Prints figures; asserts nothing. `npm run bench:sync`.
//   BENCH_SYNC_DEFECTS   defects created (default 300, so 900 tickets)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { startTrackers } from '../fakes/index.ts';
import { deleteRedisPrefix } from '../src/outbox/queues.ts';
import { pct } from './lib/stats.ts';

const SERVER = process.env.BENCH_PG_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEFECTS = Number(process.env.BENCH_SYNC_DEFECTS ?? 300);
const id = randomBytes(4).toString('hex');
const database = `defect_sync_bench_${id}`;
const prefix = `dsbench-${id}`;
const settings = { SYNC_CONCURRENCY: '5', SYNC_JOBS_PER_SECOND: '1000', SYNC_DEBOUNCE_MS: '200' };


const t = await startTrackers();
const child = spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname, 'all'], {
  env: { ...process.env, ...t.env, ...settings, DATABASE_URL: `${SERVER}/${database}`, REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg: string; port?: number };
    if (entry.msg === 'API listening') resolve(`http://127.0.0.1:${entry.port}`);
  });
});
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}`);
  return res.json();
}

const db = new pg.Client({ connectionString: `${SERVER}/${database}` });
try {
  await db.connect();
  const synced = async () => Number((await db.query(`SELECT count(*) FROM "TrackerLink" WHERE "syncState" = 'synced'`)).rows[0].count);

  // 1. Fresh defects: each needs a ticket in all three trackers.
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < DEFECTS) {
        const n = next++;
        await call('POST', '/api/defects', { title: `bench defect ${n}`, severity: 'high', assignee: 'ana@example.com' });
      }
    }),
  );
  let peakRss = rssMb();
  while ((await synced()) < DEFECTS * 3) {
    peakRss = Math.max(peakRss, rssMb());
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const lag = (
    await db.query(`SELECT extract(epoch FROM (l."lastSyncedAt" - d."createdAt")) * 1000 AS ms FROM "TrackerLink" l JOIN "Defect" d ON d.id = l."defectId"`)
  ).rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  console.log(`Settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(`Ticket creation: ${DEFECTS} defects → ${DEFECTS * 3} tickets in ${seconds.toFixed(1)} s = ${((DEFECTS * 3) / seconds).toFixed(0)} tickets/s`);
  console.log(`  defect created → link synced: p50 ${pct(lag, 50).toFixed(0)} ms, p95 ${pct(lag, 95).toFixed(0)} ms, max ${lag.at(-1)!.toFixed(0)} ms (includes the ${settings.SYNC_DEBOUNCE_MS} ms debounce)`);
  console.log(`  service RSS peak ${peakRss.toFixed(0)} MB`);

  // 2. A burst of 100 edits on one defect.
  const d = await call('POST', '/api/defects', { title: 'burst 0' });
  while ((await db.query(`SELECT count(*) FROM "TrackerLink" WHERE "defectId" = $1 AND "syncState" = 'synced'`, [d.id])).rows[0].count < 3) await new Promise((r) => setTimeout(r, 20));
  const writes = () => t.writes();
  const before = writes();
  const t1 = performance.now();
  for (let i = 1; i <= 100; i++) await call('PATCH', `/api/defects/${d.key}`, { title: `burst ${i}` });
  const editSeconds = (performance.now() - t1) / 1000;
  for (;;) {
    const ticket = t.ticketsFor(d.id);
    const done = ticket.github[0]?.title === 'burst 100' && (ticket.jira[0]?.fields as { summary: string }).summary === 'burst 100' && ticket.asana[0]?.name === 'burst 100';
    if (done) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const settle = (performance.now() - t1) / 1000;
  const after = writes();
  console.log(
    `Burst: 100 edits in ${editSeconds.toFixed(1)} s → update calls GitHub ${after.github - before.github}, Jira ${after.jira - before.jira}, Asana ${after.asana - before.asana}; final title everywhere ${settle.toFixed(1)} s after the first edit`,
  );
} finally {
  await db.end().catch(() => undefined);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await t.stop();
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
  await deleteRedisPrefix({ redisUrl: REDIS_URL }, prefix);
}
