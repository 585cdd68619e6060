// Webhook intake: `npm run bench:webhooks`. autocannon sends validly signed GitHub `issues` deliveries
// (each with its own X-GitHub-Delivery, so every one is new and inserts a row) to the service
// (`node src/main.ts all`, GITHUB_WEBHOOK_SECRET set) and, as the floor, to a bare express route in a
// process of its own that verifies the signature and, for the durable floor, inserts one row with pg
// (bench/lib/bare-webhook-server.ts); the bare route (no row) is printed too. The issue is
// one no defect links to: the cost measured is receiving, verifying, recording and answering.
// Target: the service at ≥ 80 % of the durable floor's rate. Prints figures; asserts nothing.
//   BENCH_WEBHOOKS      requests per run (default 5000, after 500 to warm up)
//   BENCH_CONNECTIONS   concurrent connections (default 10)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchDeployment, cpuMsOf, startServiceProcess, type ServiceProcess } from './lib/service.ts';
import { startFakesProcess } from './lib/fakes-client.ts';
import { githubDelivery } from '../fakes/webhooks.ts';
import { machine } from './lib/stats.ts';

const REQUESTS = Number(process.env.BENCH_WEBHOOKS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECRET = 'bench-webhook-secret';

type Run = { rps: number; p50: number; p99: number; non2xx: number; errors: number; cpuMsPerRequest: number; statuses: string };

/** One signed body for all requests (the signature covers the body only); a fresh delivery id per request. */
function delivery(repository: string) {
  const issue = { number: 999_999, title: 'not linked to any defect', state: 'open', labels: [], assignees: [] };
  return githubDelivery('edited', issue, { full_name: repository }, SECRET);
}

async function cannon(url: string, pid: number, amount: number, repository: string): Promise<Run> {
  const { headers, body } = delivery(repository);
  const cpu0 = cpuMsOf(pid);
  const result = await autocannon({
    url: `${url}/webhooks/github`,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method: 'POST',
        headers,
        body,
        setupRequest: (req: { headers: Record<string, string> }) => ({ ...req, headers: { ...req.headers, 'x-github-delivery': randomUUID() } }),
      },
    ],
  });
  return {
    rps: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerRequest: (cpuMsOf(pid) - cpu0) / result.requests.total,
    statuses: Object.entries(result.statusCodeStats).map(([code, s]) => `${code}×${s.count}`).join(' '),
  };
}

async function startBare(env: Record<string, string>): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./lib/bare-webhook-server.ts', import.meta.url).pathname], {
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
  service = await startServiceProcess('all', { ...env, ...deployment.env, SYNC_POLL_MS: '0' });
  await cannon(service.base, service.pid, 500, repository);
  const svc = await cannon(service.base, service.pid, REQUESTS, repository);
  await service.stop();

  // The durable floor: verify, insert one row with pg, answer (in the service's database); then the bare one.
  const durableBare = await startBare({ ...env, BARE_DURABLE_URL: deployment.databaseUrl });
  await cannon(durableBare.url, durableBare.pid, 500, repository);
  const durable = await cannon(durableBare.url, durableBare.pid, REQUESTS, repository);
  await durableBare.stop();
  const bare = await startBare(env);
  await cannon(bare.url, bare.pid, 500, repository);
  const floor = await cannon(bare.url, bare.pid, REQUESTS, repository);
  await bare.stop();

  const line = (name: string, r: Run) =>
    `  ${name.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} requests/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${r.cpuMsPerRequest.toFixed(2)} ms/request, answers ${r.statuses}, errors ${r.errors}`;
  console.log(`bench:webhooks  ${await machine()}`);
  console.log(`  ${REQUESTS} signed GitHub deliveries, ${CONNECTIONS} connections (each delivery new: one InboundEvent row)`);
  console.log(line('service', svc));
  console.log(line('durable', durable));
  console.log(line('bare', floor));
  const ratio = svc.rps / durable.rps;
  console.log(`  ratio ${ratio.toFixed(2)}× the durable floor's rate (verify, one pg INSERT, answer; target ≥ 0.80), ${(svc.rps / floor.rps).toFixed(2)}× the bare route's; p99 ${(svc.p99 / Math.max(durable.p99, 1)).toFixed(1)}× the durable floor's`);
  console.log(`SUMMARY webhooks: ${svc.rps.toFixed(0)} requests/s = ${ratio.toFixed(2)}× durable floor ${durable.rps.toFixed(0)}/s (target ≥ 0.80), ${(svc.rps / floor.rps).toFixed(2)}× bare ${floor.rps.toFixed(0)}/s, p50 ${svc.p50} ms, p99 ${svc.p99} ms`);
} finally {
  await service?.stop();
  await fakes.stop();
  await deployment.cleanup();
}
