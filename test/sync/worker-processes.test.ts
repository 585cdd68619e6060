// The worker as separate processes (`node src/main.ts worker`), against the fake trackers in this
// process: a crash between the remote create and saving the link, and two workers racing on 200 defects.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';
import { type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
let t: Trackers;
let api: Service;
let stop: () => Promise<void>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ t, svc: api, stop } = await startWithTrackers({ workers: false })); // the API only; workers are the children
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stop?.();
});

function worker(prefix: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    env: {
      ...process.env,
      ...t.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      SYNC_DEBOUNCE_MS: '0',
      // The fake's search has no lag: a short wait keeps the crash test's marker search quick.
      JIRA_SEARCH_LAG_MS: '500',
      SYNC_TIMEOUT_MS: '2000',
      SYNC_JOBS_PER_SECOND: '1000',
      OUTBOX_SWEEP_MS: '200',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited, stop: async () => (child.kill('SIGTERM'), await exited) };
}

async function createDefect(title: string): Promise<{ id: string; key: string }> {
  const res = await api.http.post('/api/defects').send({ title });
  expect(res.status).toBe(201);
  return res.body;
}

async function syncedLinks(defectIds: string[]): Promise<number> {
  return api.prisma.trackerLink.count({ where: { defectId: { in: defectIds }, syncState: 'synced', remoteId: { not: null } } });
}

describe('sync workers as processes', () => {
  it('leaves exactly one ticket per tracker when a worker dies after creating it but before saving the link', async () => {
    const prefix = unique(`${queuePrefix}-crash`);
    const d = await createDefect('Created just before the crash');
    const crashing = worker(prefix, { DEFECT_SYNC_FAILPOINTS: 'sync.after-create', SYNC_CONCURRENCY: '1' });
    expect(await crashing.exited).toBe('SIGKILL');

    // The ticket exists remotely, the link has no remote id: exactly the window the marker covers.
    const tickets = t.ticketsFor(d.id);
    const created = tickets.github.length + tickets.jira.length + tickets.asana.length;
    expect(created).toBeGreaterThanOrEqual(1);
    const unsaved = await api.prisma.trackerLink.findMany({ where: { defectId: d.id, remoteId: null } });
    expect(unsaved.length).toBeGreaterThanOrEqual(1);

    const healthy = worker(prefix);
    try {
      // A link row means the marker search; no link row means the dead worker's job, recovered as stalled.
      await until('all three links synced after restart', async () => (await syncedLinks([d.id])) === 3, 45_000);
    } finally {
      await healthy.stop();
    }
    const after = t.ticketsFor(d.id);
    expect([after.github.length, after.jira.length, after.asana.length]).toEqual([1, 1, 1]);
    const links = await api.prisma.trackerLink.findMany({ where: { defectId: d.id } });
    for (const link of links) {
      const remote = { github: after.github, jira: after.jira, asana: after.asana }[link.tracker][0]!;
      expect(String(remote.number ?? remote.id ?? remote.gid)).toBe(link.remoteId);
    }
  }, 60_000);

  it('two worker processes syncing 200 defects create exactly 200 tickets per tracker', async () => {
    const prefix = unique(`${queuePrefix}-pair`);
    const before = t.creates();
    const a = worker(prefix);
    const b = worker(prefix);
    try {
      const defects: { id: string }[] = [];
      for (let i = 0; i < 200; i += 20) {
        defects.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => createDefect(`Pair ${i + j}`)))));
      }
      const ids = defects.map((d) => d.id);
      await until('600 synced links', async () => (await syncedLinks(ids)) === 600, 90_000);
      for (const id of ids) {
        const tickets = t.ticketsFor(id);
        expect([tickets.github.length, tickets.jira.length, tickets.asana.length], id).toEqual([1, 1, 1]);
      }
      const created = t.creates();
      expect(created).toEqual({ github: before.github + 200, jira: before.jira + 200, asana: before.asana + 200 });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);
});
