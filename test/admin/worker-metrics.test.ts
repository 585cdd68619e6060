// The worker role serves no API; with METRICS_PORT it serves /healthz, /readyz and /metrics, and its
// /metrics carries what its sync workers did (jobs, tracker calls, latency).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';
import { type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
let t: Trackers;
let api: Service;
let stop: () => Promise<void>;
let child: ChildProcess | undefined;

beforeAll(async () => {
  ({ t, svc: api, stop } = await startWithTrackers({ workers: false })); // the API only; the worker is the child
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stop?.();
});

/** Starts `node src/main.ts worker` and resolves with the port its operations server logged. */
function startWorker(env: Record<string, string>): Promise<number> {
  child = spawn(process.execPath, [MAIN, 'worker'], {
    env: { ...process.env, ...t.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: unique(`${queuePrefix}-wm`), SYNC_DEBOUNCE_MS: '0', SYNC_JOBS_PER_SECOND: '1000', OUTBOX_SWEEP_MS: '200', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child!.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    createInterface({ input: child!.stdout! }).on('line', (line) => {
      const entry = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; port?: number }) : {};
      if (entry.msg === 'worker metrics listening') resolve(entry.port!);
    });
  });
}

describe('METRICS_PORT on the worker role', () => {
  it('serves /healthz, /readyz and a /metrics whose sync series move when the worker syncs', async () => {
    const port = await startWorker({ METRICS_PORT: '0' });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks).toHaveProperty('redis');
    expect((await fetch(`${base}/api/defects`)).status).toBe(404); // no API here

    const res = await api.http.post('/api/defects').send({ title: 'Synced by a worker process' });
    expect(res.status).toBe(201);
    await until('three links synced', async () => (await api.prisma.trackerLink.count({ where: { defectId: res.body.id, syncState: 'synced' } })) === 3, 20_000);
    // A job is counted when it finishes, a moment after its link is saved: wait for all three.
    const metrics = await until('three created jobs counted', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return (text.match(/^defect_sync_sync_jobs_total\{connection="\w+",tracker="\w+",outcome="created"\} 1$/gm) ?? []).length === 3 && text;
    });
    for (const tracker of ['github', 'jira', 'asana']) {
      expect(metrics).toMatch(new RegExp(`^defect_sync_sync_jobs_total\\{connection="${tracker}",tracker="${tracker}",outcome="created"\\} 1$`, 'm'));
      expect(metrics).toMatch(new RegExp(`^defect_sync_tracker_api_calls_total\\{connection="${tracker}",tracker="${tracker}",status="20[01]"\\} [1-9]`, 'm'));
      expect(metrics).toMatch(new RegExp(`^defect_sync_queue_jobs\\{connection="${tracker}",tracker="${tracker}",state="waiting"\\} \\d+$`, 'm'));
    }
    expect(metrics).toMatch(/^defect_sync_sync_latency_seconds_count\{direction="outbound",connection="jira",tracker="jira"\} 1$/m);
    child!.kill('SIGTERM');
  });

  it('serves nothing without METRICS_PORT', async () => {
    child!.removeAllListeners('exit');
    if (child!.exitCode === null && child!.signalCode === null) child!.kill('SIGTERM'); // should the test above have failed early
    await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(null) : child!.once('exit', r)));
    const started = startWorker({});
    const outcome = await Promise.race([started.then(() => 'listening'), new Promise((r) => setTimeout(() => r('silent'), 3000))]);
    expect(outcome).toBe('silent');
    child!.kill('SIGTERM');
  });
});
