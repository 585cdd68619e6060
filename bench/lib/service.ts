// The service as an operator runs it (`node src/main.ts all`, or `worker`), in child processes of the
// benchmark, with a database and queue prefix of the benchmark's own, removed by cleanup(). CPU time is
// read from /proc/<pid>/stat (utime + stime), so nothing in the service has to report it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { deleteRedisPrefix } from '../../src/outbox/queues.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/node-flags.ts';

export const PG_SERVER = process.env.BENCH_PG_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A database and queue prefix for one benchmark run. */
export function benchDeployment(name: string) {
  const id = randomBytes(4).toString('hex');
  const database = `defect_sync_bench_${name}_${id}`;
  const prefix = `dsbench-${name}-${id}`;
  const databaseUrl = `${PG_SERVER}/${database}`;
  return {
    databaseUrl,
    prefix,
    env: { DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: prefix },
    async cleanup() {
      const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
      await deleteRedisPrefix({ redisUrl: REDIS_URL }, prefix);
    },
  };
}

/** Milliseconds of CPU (user + system) a process has used so far. */
export function cpuMsOf(pid: number): number {
  // Fields after the command name (which may hold spaces) start at state; utime and stime are 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export function rssMbOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

export type ServiceProcess = {
  pid: number;
  /** The API's base URL (roles all and api). */
  base: string;
  /** Its /metrics (the API's, or a worker's own METRICS_PORT), once it serves one. */
  metricsUrl(): string | undefined;
  cpuMs(): number;
  rssMb(): number;
  stop(): Promise<void>;
  /** Resolves when the process ends by itself (the `migrate` role). */
  exited: Promise<number | null>;
};

/**
 * Starts `node src/main.ts <role>` and waits until it serves (all/api: "API listening") or runs its
 * workers (worker: "sync worker running"). BENCH_CPU_PROF=<dir> profiles it (node --cpu-prof), written
 * when it stops.
 */
export async function startServiceProcess(role: 'all' | 'api' | 'worker' | 'migrate', env: Record<string, string>): Promise<ServiceProcess> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // The heap bounds the service runs with (src/node-flags.ts); BENCH_NODE_FLAGS measures others ('' for V8's defaults).
  const heapFlags = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : SERVICE_NODE_FLAGS;
  const child: ChildProcess = spawn(process.execPath, [...heapFlags, ...profile, MAIN, role], {
    // A worker serves its /metrics on a port of its own (METRICS_PORT=0: any free one).
    env: { ...SERVICE_ENV, ...process.env, PORT: '0', ...(role === 'worker' && { METRICS_PORT: '0' }), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const waitFor = role === 'worker' ? 'sync worker running' : role === 'migrate' ? 'starting' : 'API listening';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let workerMetrics: string | undefined;
  const base = await new Promise<string>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`service (${role}) exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; port?: number; level?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.level !== undefined && entry.level >= 50) console.error(`[${role}] ${line}`);
      if (entry.msg === 'worker metrics listening') workerMetrics = `http://127.0.0.1:${entry.port}`;
      if (entry.msg === waitFor) resolve(entry.port ? `http://127.0.0.1:${entry.port}` : '');
    });
  });
  const pid = child.pid!;
  return {
    pid,
    base,
    exited,
    metricsUrl: () => {
      const root = role === 'worker' ? workerMetrics : base;
      return root ? `${root}/metrics` : undefined;
    },
    cpuMs: () => cpuMsOf(pid),
    rssMb: () => rssMbOf(pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
