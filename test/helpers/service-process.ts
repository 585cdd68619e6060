// The service as an operator runs it (`node src/main.ts <role>`) in a child process, for fault tests
// that kill it, or cut it off from Redis or Postgres, and watch it recover by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import request from 'supertest';
import { databaseUrl, redisUrl } from './context.ts';
import { markEarlierChangesHandled, until } from './service.ts';
import { createPrisma } from '../../src/db.ts';
import { freePort } from '../../fakes/free-port.ts';

import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/node-flags.ts';
const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export type ServiceProcess = {
  child: ChildProcess;
  /** Resolves with the signal or exit code once the process is gone. */
  exited: Promise<NodeJS.Signals | number | null>;
  alive: () => boolean;
  /** The lines it wrote to stdout and stderr so far. */
  output: string[];
  kill: (signal?: NodeJS.Signals) => Promise<NodeJS.Signals | number | null>;
};

/**
 * Starts `node src/main.ts <role>` against the run's database (and the run's Redis unless env says
 * otherwise), with short sweeps and retries for tests. `env` must name QUEUE_PREFIX.
 */
export function serviceProcess(role: 'all' | 'api' | 'worker', env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, MAIN, role], {
    env: {
      ...SERVICE_ENV,
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      SYNC_DEBOUNCE_MS: '200',
      SYNC_TIMEOUT_MS: '3000',
      SYNC_JOBS_PER_SECOND: '1000',
      SYNC_RECONCILE_MS: '2000',
      SYNC_POLL_MS: '0',
      OUTBOX_SWEEP_MS: '200',
      // The fake's search has no lag: a short wait keeps a restarted worker's marker search quick.
      JIRA_SEARCH_LAG_MS: '500',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  // Everything the process writes, line by line (shown too when TEST_LOG_LEVEL asks for logs).
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      output.push(...lines.filter(Boolean));
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk);
    });
  }
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    exited,
    alive,
    output,
    kill: async (signal = 'SIGTERM') => {
      if (alive()) child.kill(signal);
      return exited;
    },
  };
}

/** `node src/main.ts all` on a port of its own, answering once /healthz does; webhooks reach it at `url`. */
export async function serviceWithApi(env: Record<string, string>) {
  // Earlier files' rows and links must not become calls to this file's fakes (see startService).
  const prisma = createPrisma(databaseUrl);
  await markEarlierChangesHandled(prisma);
  await prisma.$disconnect();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = serviceProcess('all', { PORT: String(port), PUBLIC_URL: url, ...env });
  await until('the service to answer', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 30_000);
  return { ...proc, url, http: request(url) };
}

/** Lines a process wrote that are not JSON log lines (the service logs nothing else). */
export function notJsonLines(output: readonly string[]): string[] {
  return output.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });
}

/** GET /readyz: its status and which checks failed. */
export async function readiness(url: string): Promise<{ status: number; failing: string[] }> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
  return { status: res.status, failing: Object.entries(body.checks).filter(([, c]) => !c.ok).map(([name]) => name) };
}
