// Comment sync cost: `npm run bench:comments`. 1,000 comments over 200 defects (BENCH_COMMENTS, BENCH_DEFECTS),
// added through the API to defects whose three tickets exist; the service (`node src/main.ts all`) and the
// fake trackers run in child processes. Prints, beside the floor from the same run (the same comments written
// straight through the bare connectors): tracker calls per comment per tracker (floor 1.00: one write) and
// service CPU per comment. Asserts nothing.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { benchDeployment, startServiceProcess } from './lib/service.ts';
import { callsBetween, startFakesProcess } from './lib/fakes-client.ts';
import { api, machine, pool, sleep, until, vsFloor } from './lib/stats.ts';
import { loadConfig } from '../src/config.ts';
import { buildConnectors } from '../src/sync/connectors.ts';
import { resolveConnections } from '../src/sync/connections.ts';
import { loadSyncConfig, outboundFields } from '../src/sync/sync-config.ts';
import { ticketToCreate } from '../src/sync/plan.ts';
import type { TicketRef } from '../connectors/contract.ts';

const DEFECTS = Number(process.env.BENCH_DEFECTS ?? 200);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 5);
const CLIENTS = 16;
const settings = { SYNC_CONCURRENCY: String(CONCURRENCY), SYNC_JOBS_PER_SECOND: '10000', SYNC_DEBOUNCE_MS: '200', SYNC_POLL_MS: '0' };

const deployment = benchDeployment('comments');
const fakes = await startFakesProcess();
const service = await startServiceProcess('all', { ...fakes.env, ...deployment.env, ...settings });
const db = new pg.Client({ connectionString: deployment.databaseUrl });
try {
  await db.connect();
  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  const keys: string[] = [];
  await pool(DEFECTS, CLIENTS, async (i) => {
    keys[i] = (await api(service.base, 'POST', '/api/defects', { title: `bench comments ${i}` })).key;
  });
  await until('every ticket created', async () => (await count(`SELECT count(*) AS n FROM "TrackerLink" WHERE "syncState" = 'synced'`)) >= DEFECTS * 3, 300_000, 50);
  await sleep(1000);

  const calls0 = await fakes.counts();
  const cpu0 = service.cpuMs();
  const t0 = performance.now();
  await pool(COMMENTS, CLIENTS, async (i) => {
    await api(service.base, 'POST', `/api/defects/${keys[i % DEFECTS]}/comments`, { body: `Bench comment ${i}: which browser?`, author: 'Ana' });
  });
  await until('every comment copied', async () => (await count(`SELECT count(*) AS n FROM "CommentLink" WHERE state = 'synced' AND "remoteId" IS NOT NULL`)) >= COMMENTS * 3, 300_000, 25);
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = service.cpuMs() - cpu0;
  const calls = callsBetween(calls0, await fakes.counts());
  await service.stop();

  // The floor: the same comments through the bare connectors (one create each), against fresh fakes.
  const floorFakes = await startFakesProcess();
  const config = loadConfig({ ...floorFakes.env, DATABASE_URL: 'postgresql://unused', SYNC_TIMEOUT_MS: '15000' });
  const sync = loadSyncConfig(config.syncConfigPath);
  const connectors = await buildConnectors(resolveConnections(config, sync), sync, config.sync.timeoutMs);
  const refs = new Map<string, TicketRef[]>();
  for (const c of connectors.values()) {
    const list: TicketRef[] = [];
    await pool(DEFECTS, CONCURRENCY, async (i) => {
      const key = `DEF-${i + 1}`;
      list[i] = await c.create(ticketToCreate({ fields: { title: `floor ${i}`, description: '', severity: 'high', status: 'open', assignee: null, milestone: null, tags: [] }, context: { defectId: randomUUID(), defectKey: key, defectUrl: `http://127.0.0.1/${key}`, failingRuns: [] } }, outboundFields(sync)));
    });
    refs.set(c.connection, list);
  }
  const fcalls0 = await floorFakes.counts();
  const fcpu0 = process.cpuUsage();
  const ft0 = performance.now();
  await Promise.all([...connectors.values()].map((c) => pool(COMMENTS, CONCURRENCY, async (i) => {
    await c.comments!.create(refs.get(c.connection)![i % DEFECTS]!, { commentId: randomUUID(), body: `Bench comment ${i}: which browser?`, authorName: 'Ana', writtenIn: 'Defect Sync' });
  })));
  const fseconds = (performance.now() - ft0) / 1000;
  const fu = process.cpuUsage(fcpu0);
  const fcpuMs = (fu.user + fu.system) / 1000;
  const fcalls = callsBetween(fcalls0, await floorFakes.counts());
  await floorFakes.stop();

  const copies = COMMENTS * connectors.size;
  console.log(`bench:comments  ${await machine()}`);
  console.log(`  ${COMMENTS} comments over ${DEFECTS} defects, ${connectors.size} trackers, ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(`  ${copies} copies in ${seconds.toFixed(1)} s: copies/s ${vsFloor(copies / seconds, copies / fseconds, 0)}`);
  console.log(`  service CPU ms/comment copy ${vsFloor(cpuMs / copies, fcpuMs / copies, 2)}  (floor: the bare script's own CPU)`);
  for (const [tracker, c] of Object.entries(calls)) {
    const f = fcalls[tracker as keyof typeof fcalls];
    const per = (x: number) => (x / COMMENTS).toFixed(2);
    console.log(`  ${tracker.padEnd(6)} calls/comment: ${per(c.reads + c.writes)} (floor ${per(f.reads + f.writes)}): writes ${per(c.writes)}, reads ${per(c.reads)}  [${Object.entries(c.byRoute).map(([r, k]) => `${r} ${k}`).join(', ')}]`);
  }
  console.log(`SUMMARY comments: ${(copies / seconds).toFixed(0)} copies/s, ${(cpuMs / COMMENTS).toFixed(2)} ms CPU/comment (all trackers), calls/comment/tracker ${Object.values(calls).map((c) => ((c.reads + c.writes) / COMMENTS).toFixed(2)).join('/')} (floor 1.00)`);
} finally {
  await db.end().catch(() => undefined);
  await service.stop().catch(() => undefined);
  await fakes.stop();
  await deployment.cleanup();
}
