// Webhook intake: `npm run bench:webhooks`. autocannon sends validly signed GitHub `issues` deliveries,
// each new (its own X-GitHub-Delivery and its own body, signed per request, so neither the delivery id nor
// the content key repeats), to the service's API (`node src/main.ts api`, GITHUB_WEBHOOK_SECRET set; no
// workers in it, so the syncs the deliveries ask for are not counted as intake) and, as floors, to a bare
// express route in a process of its own that verifies the signature and, for the durable floor, inserts
// one row with pg (bench/lib/bare-webhook-server.ts); the bare route (no row) is printed too.
// Two service runs: "linked", about an issue a defect links to (the real path: verify, record one
// InboundEvent row, queue the defect's sync job, answer 202), and "unlinked", about an issue no defect
// links to (verify, one statement that finds no link and writes nothing, answer 200 ignored).
// Target: the linked run at ≥ 80 % of the durable floor's rate. Prints figures; asserts nothing.
//   BENCH_WEBHOOKS      requests per run (default 5000, after 500 to warm up)
//   BENCH_CONNECTIONS   concurrent connections (default 10)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchDeployment, cpuMsOf, startServiceProcess, type ServiceProcess } from './lib/service.ts';
import { startFakesProcess } from './lib/fakes-client.ts';
import pg from 'pg';
import { githubDelivery } from '../fakes/webhooks.ts';
import { api, machine } from './lib/stats.ts';

const REQUESTS = Number(process.env.BENCH_WEBHOOKS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECRET = 'bench-webhook-secret';

type Run = { rps: number; p50: number; p99: number; non2xx: number; errors: number; cpuMsPerRequest: number; statuses: string };

/** Deliveries about issue `issue`: each request is a fresh githubDelivery (its own id and body, signed for it). */
function delivery(repository: string, issue: number) {
  let n = 0;
  const next = () => githubDelivery('edited', { number: issue, title: `edited ${n++} ${randomUUID()}`, state: 'open', labels: [], assignees: [] }, { full_name: repository }, SECRET);
  return {
    headers: next().headers,
    setupRequest: (req: { headers: Record<string, string> }) => {
      const { headers, body } = next();
      return { ...req, body, headers: { ...req.headers, ...headers } };
    },
  };
}

async function cannon(url: string, pid: number, amount: number, repository: string, issue: number): Promise<Run> {
  const { headers, setupRequest } = delivery(repository, issue);
  const cpu0 = cpuMsOf(pid);
  const t0 = performance.now();
  let last = t0;
  const run = autocannon({
    url: `${url}/webhooks/github`,
    connections: CONNECTIONS,
    amount,
    requests: [{ method: 'POST', headers, setupRequest }],
  }).on('response', () => (last = performance.now()));
  const result = await run;
  // Our own clock, to the last answer: autocannon ends a run at its next one-second sample, and so reports
  // whole seconds (5,000 requests read 5,000/s, 2,500/s or 714/s whatever the true rate).
  const seconds = (last - t0) / 1000;
  return {
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerRequest: (cpuMsOf(pid) - cpu0) / result.requests.total,
    statuses: Object.entries(result.statusCodeStats).map(([code, s]) => `${code}×${s.count}`).join(' '),
  };
}

async function startBare(env: Record<string, string>): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  // Profiled like the service (BENCH_CPU_PROF), so the two profiles can be read side by side.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, new URL('./lib/bare-webhook-server.ts', import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const deployment = benchDeployment('webhooks');
const fakes = await startFakesProcess();
let service: ServiceProcess | undefined;
try {
  const repository = fakes.env.GITHUB_REPOSITORY!;
  const env = { ...fakes.env, GITHUB_WEBHOOK_SECRET: SECRET };
  const serviceEnv = { ...env, ...deployment.env, SYNC_POLL_MS: '0' };
  await (await startServiceProcess('migrate', serviceEnv)).exited;
  service = await startServiceProcess('api', serviceEnv);
  // A defect linked to issue LINKED (written as a sync would have, so no worker is needed).
  const LINKED = 4242;
  const defect = await api(service.base, 'POST', '/api/defects', { title: 'bench: linked to the webhooks issue' });
  const db = new pg.Client({ connectionString: deployment.databaseUrl });
  await db.connect();
  await db.query(
    `INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "remoteId", "syncState", "updatedAt") VALUES (gen_random_uuid(), $1, 'github', 'github', $2, 'synced', now())`,
    [defect.id, String(LINKED)],
  );
  await db.end();
  await cannon(service.base, service.pid, 500, repository, LINKED);
  const linked = await cannon(service.base, service.pid, REQUESTS, repository, LINKED);
  const unlinked = await cannon(service.base, service.pid, REQUESTS, repository, 999_999);
  await service.stop();

  // The durable floor: verify, insert one row with pg, answer (in the service's database); then the bare one.
  const durableBare = await startBare({ ...env, BARE_DURABLE_URL: deployment.databaseUrl });
  await cannon(durableBare.url, durableBare.pid, 500, repository, LINKED);
  const durable = await cannon(durableBare.url, durableBare.pid, REQUESTS, repository, LINKED);
  await durableBare.stop();
  const bare = await startBare(env);
  await cannon(bare.url, bare.pid, 500, repository, LINKED);
  const floor = await cannon(bare.url, bare.pid, REQUESTS, repository, LINKED);
  await bare.stop();

  const line = (name: string, r: Run) =>
    `  ${name.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} requests/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${r.cpuMsPerRequest.toFixed(2)} ms/request, answers ${r.statuses}, errors ${r.errors}`;
  console.log(`bench:webhooks  ${await machine()}`);
  console.log(`  ${REQUESTS} signed GitHub deliveries per run, ${CONNECTIONS} connections, each delivery new (its own id and body)`);
  console.log(line('linked', linked) + '  (one InboundEvent row and a sync job each)');
  console.log(line('unlinked', unlinked) + '  (no row: about no ticket of ours)');
  console.log(line('durable', durable) + '  (verify, one pg INSERT, answer)');
  console.log(line('bare', floor) + '  (verify, answer)');
  const ratio = linked.rps / durable.rps;
  console.log(`  linked: ${ratio.toFixed(2)}× the durable floor's rate (target ≥ 0.80), ${(linked.rps / floor.rps).toFixed(2)}× the bare route's; unlinked: ${(unlinked.rps / durable.rps).toFixed(2)}× the durable floor's`);
  console.log(
    `SUMMARY webhooks: linked ${linked.rps.toFixed(0)} requests/s = ${ratio.toFixed(2)}× durable floor ${durable.rps.toFixed(0)}/s (target ≥ 0.80), ${linked.cpuMsPerRequest.toFixed(2)} ms CPU each (floor ${durable.cpuMsPerRequest.toFixed(2)}); ` +
      `unlinked ${unlinked.rps.toFixed(0)}/s (${(unlinked.rps / durable.rps).toFixed(2)}×); bare ${floor.rps.toFixed(0)}/s; p99 linked ${linked.p99} ms`,
  );
} finally {
  await service?.stop();
  await fakes.stop();
  await deployment.cleanup();
}
