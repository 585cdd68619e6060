// Outbound sync throughput and cost: `npm run bench:outbound`. The service (`node src/main.ts all`, plus
// BENCH_WORKERS-1 `worker` processes) and the fake trackers (bench/lib/fakes-process.ts) run in child
// processes of their own; this script drives the API and reads the database. Prints figures, each beside
// its floor measured in the same run (bench/lib/floor.ts); asserts nothing.
//   BENCH_DEFECTS       defects created, then edited once each (default 2000: 6000 tickets, 6000 updates)
//   BENCH_CONCURRENCY   sync jobs at once per tracker and process (SYNC_CONCURRENCY; the floor's too; default 5)
//   BENCH_WORKERS       service processes syncing (default 1: the `all` process alone)
//   BENCH_SPLIT=1       the API in an `api` process and the syncing in `worker` processes, CPU shown per process
//   BENCH_CPU_PROF      a directory: the service processes run with node --cpu-prof into it
import pg from 'pg';
import { benchDeployment, startServiceProcess, type ServiceProcess } from './lib/service.ts';
import { callsBetween, startFakesProcess, type CallCounts, type PerTracker } from './lib/fakes-client.ts';
import { measureFloor, type FloorFigures } from './lib/floor.ts';
import { api, machine, pool, sleep, until, vsFloor } from './lib/stats.ts';

const DEFECTS = Number(process.env.BENCH_DEFECTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const SPLIT = process.env.BENCH_SPLIT === '1';
const CLIENTS = 16; // API clients creating and editing defects
const MEMORY_EVERY = 2000; // defects between memory marks
const settings = {
  SYNC_CONCURRENCY: String(CONCURRENCY),
  SYNC_JOBS_PER_SECOND: '10000', // the service's pace, not the trackers' allowance
  SYNC_DEBOUNCE_MS: '200',
  SYNC_POLL_MS: '0', // polls would add reads that belong to no ticket
};

type Phase = { seconds: number; cpuMs: number; cpuPerProcess: number[]; calls: PerTracker<CallCounts> };

const deployment = benchDeployment('outbound');
const fakes = await startFakesProcess();
const services: ServiceProcess[] = [];
const db = new pg.Client({ connectionString: deployment.databaseUrl });
try {
  const env = { ...fakes.env, ...deployment.env, ...settings };
  if (SPLIT) {
    // The API migrates nothing: a short-lived `migrate` run does, as an operator would before starting roles.
    await (await startServiceProcess('migrate', env)).exited;
    services.push(await startServiceProcess('api', env));
    for (let i = 0; i < WORKERS; i++) services.push(await startServiceProcess('worker', env));
  } else {
    services.push(await startServiceProcess('all', env));
    for (let i = 1; i < WORKERS; i++) services.push(await startServiceProcess('worker', env));
  }
  const base = services[0]!.base;
  await db.connect();
  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  const cpus = () => services.map((s) => s.cpuMs());

  /** RSS (the largest service process), and the first one's heap in use and live heap (in use after the latest full GC), in MB. */
  const memory = async () => {
    const text = await scrape(services[0]!);
    const mb = (name: string) => (text.includes(`\n${name} `) ? seriesSum(text, name) / 2 ** 20 : Number.NaN);
    return { rss: Math.max(...services.map((s) => s.rssMb())), heap: mb('nodejs_heap_size_used_bytes'), live: mb('defect_sync_heap_live_bytes') };
  };
  type Memory = Awaited<ReturnType<typeof memory>>;
  const atStart = await memory();
  // Memory each time another MEMORY_EVERY defects have all their tickets: growth from one mark to the next is a leak.
  const marks: { defects: number; m: Memory }[] = [];
  const markMemory = async (synced: number) => {
    const defects = Math.floor(synced / 3 / MEMORY_EVERY) * MEMORY_EVERY;
    if (defects > (marks.at(-1)?.defects ?? 0)) marks.push({ defects, m: await memory() });
  };

  /** Runs `drive` and waits until `done`; the service's CPU and the trackers' calls over the whole phase. */
  async function phase(what: string, drive: () => Promise<void>, done: () => Promise<boolean>): Promise<Phase> {
    const calls0 = await fakes.counts();
    const cpu0 = cpus();
    const t0 = performance.now();
    await drive();
    await until(what, done, 300_000, 25);
    const seconds = (performance.now() - t0) / 1000;
    const cpuPerProcess = cpus().map((ms, i) => ms - cpu0[i]!);
    const cpuMs = cpuPerProcess.reduce((a, b) => a + b, 0);
    return { seconds, cpuMs, cpuPerProcess, calls: callsBetween(calls0, await fakes.counts()) };
  }

  // 1. New defects: each needs a ticket in all three trackers.
  const keys: string[] = [];
  const creates = await phase(
    'every ticket created',
    () => pool(DEFECTS, CLIENTS, async (i) => {
      keys[i] = (await api(base, 'POST', '/api/defects', { title: `bench defect ${i}`, severity: 'high', assignee: 'ana@example.com' })).key;
    }),
    async () => {
      const synced = await count(`SELECT count(*) AS n FROM "TrackerLink" WHERE "syncState" = 'synced'`);
      await markMemory(synced);
      return synced >= DEFECTS * 3;
    },
  );
  const census = await fakes.census();
  const afterCreates = await memory();

  // 2. One edit of each defect: every ticket gets one update.
  await sleep(500); // let stragglers (none expected) settle so the phases do not overlap
  const updates = await phase(
    'every ticket updated',
    () => pool(DEFECTS, CLIENTS, async (i) => {
      await api(base, 'PATCH', `/api/defects/${keys[i]}`, { title: `bench defect ${i} (edited)` });
    }),
    async () =>
      (await count(`SELECT count(*) AS n FROM "TrackerLink" l JOIN "Defect" d ON d.id = l."defectId" WHERE l."syncState" = 'synced' AND l."syncedVersion" = d.version`)) >=
      DEFECTS * 3,
  );
  const atEnd = await memory();
  const lockWaits = await sumOverServices(services, 'defect_sync_sync_lock_waits_total');
  for (const s of services) await s.stop();
  services.length = 0;

  // 3. The floor: the same writes through the bare connectors, against fresh fakes.
  const floorFakes = await startFakesProcess();
  const floor = await measureFloor(floorFakes.env, DEFECTS, CONCURRENCY * WORKERS);
  await floorFakes.stop();

  const tickets = DEFECTS * 3;
  console.log(`bench:outbound  ${await machine()}`);
  console.log(`  ${DEFECTS} defects, ${WORKERS} service process(es), ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  report('creates', 'tickets', creates, floor.create, tickets);
  const dupes = Object.entries(census).map(([k, c]) => `${k} ${c.tickets} tickets for ${c.defects} defects, ${c.duplicates} duplicated`).join('; ');
  console.log(`  duplicates: ${dupes}`);
  report('updates', 'updates', updates, floor.update, tickets);
  const mem = (m: Memory) => `RSS ${m.rss.toFixed(0)} MB, heap ${m.heap.toFixed(0)} MB (live ${m.live.toFixed(0)})`;
  console.log(`  service memory: at start ${mem(atStart)}; after the creates ${mem(afterCreates)}; at the end ${mem(atEnd)}`);
  if (marks.length > 1) {
    const [a, b] = [marks[0]!, marks.at(-1)!];
    console.log(`  memory by defects synced: ${marks.map((k) => `${k.defects}: ${mem(k.m)}`).join('; ')}`);
    console.log(`    growth ${a.defects} → ${b.defects} defects: RSS ${pct(b.m.rss, a.m.rss)}, live heap ${pct(b.m.live, a.m.live)} (target: live heap within 10 %)`);
  }
  console.log(`  sync lock waits (a job waiting for another's lock on its defect): ${lockWaits}`);
  const dupCount = Object.values(census).reduce((n, c) => n + c.duplicates, 0);
  console.log(
    `SUMMARY outbound: ${(tickets / creates.seconds).toFixed(0)} tickets/s (${(tickets / creates.seconds / floor.create.perSecond).toFixed(2)}× floor), ` +
      `${(creates.cpuMs / tickets).toFixed(2)} ms CPU/ticket; ${(tickets / updates.seconds).toFixed(0)} updates/s (${(tickets / updates.seconds / floor.update.perSecond).toFixed(2)}× floor), ` +
      `${(updates.cpuMs / tickets).toFixed(2)} ms CPU/update; ${dupCount} duplicates; ${lockWaits} lock waits; RSS ${atEnd.rss.toFixed(0)} MB at the end`,
  );
} finally {
  await db.end().catch(() => undefined);
  for (const s of services) await s.stop();
  await fakes.stop();
  await deployment.cleanup();
}

/** A service process's /metrics text (the API's, or a worker's METRICS_PORT); empty before it serves one. */
async function scrape(s: ServiceProcess): Promise<string> {
  const url = s.metricsUrl();
  return url ? (await fetch(url)).text() : '';
}

/** The sum of every series of metric `name` in a Prometheus text (a gauge without labels: its value). */
function seriesSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** A counter summed over every series and every service process's /metrics. */
async function sumOverServices(list: readonly ServiceProcess[], name: string): Promise<number> {
  let sum = 0;
  for (const s of list) sum += seriesSum(await scrape(s), name);
  return sum;
}

function pct(after: number, before: number): string {
  const p = ((after - before) / before) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(0)} %`;
}

function report(name: string, unit: string, p: Phase, floor: FloorFigures, n: number): void {
  console.log(`  ${name}: ${n} ${unit} in ${p.seconds.toFixed(1)} s`);
  console.log(`    ${unit}/s          ${vsFloor(n / p.seconds, floor.perSecond, 0)}`);
  console.log(`    service CPU ms/${unit.slice(0, -1)}  ${vsFloor(p.cpuMs / n, floor.cpuMsPerTicket, 2)}  (floor: the bare script's own CPU)`);
  if (p.cpuPerProcess.length > 1) {
    const roles = SPLIT ? ['api', ...p.cpuPerProcess.slice(1).map((_, i) => `worker ${i + 1}`)] : p.cpuPerProcess.map((_, i) => (i ? `worker ${i}` : 'all'));
    console.log(`      per process: ${p.cpuPerProcess.map((ms, i) => `${roles[i]} ${(ms / n).toFixed(2)}`).join(', ')} ms/${unit.slice(0, -1)}`);
  }
  for (const [tracker, c] of Object.entries(p.calls)) {
    const per = (x: number) => (x / (n / 3)).toFixed(2);
    const routes = Object.entries(c.byRoute).map(([r, k]) => `${r} ${k}`).join(', ');
    console.log(`    ${tracker.padEnd(6)} calls/${unit.slice(0, -1)}: writes ${per(c.writes)} (floor 1.00), reads ${per(c.reads)}${c.notModified ? ` (${c.notModified} answered 304)` : ''}  [${routes}]`);
  }
}
