// A worker process killed (SIGKILL, the comments.after-create failpoint) after a tracker made the comment but
// before the comment link saved its remote id: the next worker lists the ticket's comments, finds the marker
// and adopts the comment, so each ticket ends with exactly one copy.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
let t: Trackers;
let api: Service;
let stop: () => Promise<void>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ t, svc: api, stop } = await startWithTrackers({ workers: false }));
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
  return { exited, stop: async () => (child.kill('SIGTERM'), await exited) };
}

describe('a worker killed mid-comment', () => {
  it('leaves exactly one comment per ticket', async () => {
    const prefix = unique(`${queuePrefix}-comment-crash`);
    const res = await api.http.post('/api/defects').send({ title: 'Commented just before the crash' });
    const d = res.body as { id: string; key: string };
    const first = worker(prefix);
    await until('three tickets', async () => (await api.prisma.trackerLink.count({ where: { defectId: d.id, syncState: 'synced', remoteId: { not: null } } })) === 3, 30_000);
    await first.stop();
    const links = await api.prisma.trackerLink.findMany({ where: { defectId: d.id } });
    const rid = (k: string) => links.find((l) => l.tracker === k)!.remoteId!;
    const copies = () => [t.github.comments.of(Number(rid('github'))).length, t.jira.comments.of(rid('jira')).length, t.asana.comments.of(rid('asana')).length];

    const c = (await api.http.post(`/api/defects/${d.key}/comments`).set('X-Actor', 'Ana').send({ body: 'Said once, however often the worker dies' })).body as { id: string };
    const crashing = worker(prefix, { DEFECT_SYNC_FAILPOINTS: 'comments.after-create', SYNC_CONCURRENCY: '1' });
    expect(await crashing.exited).toBe('SIGKILL');
    // The comment exists in a tracker, its link has no remote id: the window the marker covers.
    expect(copies().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await api.prisma.commentLink.count({ where: { commentId: c.id, remoteId: null } })).toBeGreaterThanOrEqual(1);

    const healthy = worker(prefix);
    try {
      await until('three comment links synced', async () => (await api.prisma.commentLink.count({ where: { commentId: c.id, state: 'synced', remoteId: { not: null } } })) === 3, 45_000);
    } finally {
      await healthy.stop();
    }
    expect(copies()).toEqual([1, 1, 1]);
    const saved = await api.prisma.commentLink.findMany({ where: { commentId: c.id } });
    expect(saved.find((l) => l.connection === 'github')!.remoteId).toBe(String(t.github.comments.of(Number(rid('github')))[0]!['id']));
  }, 90_000);
});
