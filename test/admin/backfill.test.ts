// Backfill (issue 14): POST /admin/connections/:name/backfill gives existing defects a ticket in a
// connection they never reached. The defects here are inserted with SQL and no outbox row, exactly what
// defects written before the connection was configured look like to it (nothing was ever published to
// its queue). Checked through HTTP, the database, the queue's pacing and the fake Asana: one task per
// defect, none twice, the route and the filters choose, and ordinary changes overtake the backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import { until, type Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect, patchDefect } from '../helpers/fixtures.ts';
import { redisUrl, unique } from '../helpers/context.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueName } from '../../src/outbox/queues.ts';
import { STALL_MS } from '../../src/admin/backfill.ts';

const ADMIN = 'admin-token-for-the-backfill-tests';
const ASANA = 'oncall-asana';
// Projects routed to Asana (P, Q, S) and one routed to GitHub only (R): unique to this file, so defects of
// other files in the run's database never match.
const P = unique('legacy');
const Q = unique('filtered');
const S = unique('other');
const R = unique('github-only');
const L = unique('lost');
/** Slow enough that 500 backfill jobs take seconds, so an edit has a backlog to overtake. */
const JOBS_PER_SECOND = 50;

let t: Trackers;
let svc: Service;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({
    trackers: { repository: 'acme/shop' },
    env: (_, t) => ({
      SYNC_CONFIG: t.syncConfigFile({
        connections: {
          'shop-github': { kind: 'github', repository: 'acme/shop', apiUrl: t.env.GITHUB_API_URL, token: t.github.token },
          [ASANA]: { kind: 'asana', token: t.env.ASANA_TOKEN, workspace: t.env.ASANA_WORKSPACE_GID, project: t.env.ASANA_PROJECT_GID, apiUrl: t.env.ASANA_API_URL },
        },
        routes: [{ when: { project: [P, Q, S, L] }, to: ['shop-github', ASANA] }, { to: ['shop-github'] }],
      }),
      ADMIN_TOKEN: ADMIN,
    }),
    debounceMs: 50,
    jobsPerSecond: JOBS_PER_SECOND,
  }));
});
afterAll(() => stop?.());

const get = (path: string) => svc.http.get(path).set('authorization', `Bearer ${ADMIN}`);
const post = (path: string, body: unknown) => svc.http.post(path).set('authorization', `Bearer ${ADMIN}`).send(body as object);
const backfill = (body: unknown = {}, connection = ASANA) => post(`/admin/connections/${connection}/backfill`, body);

type Progress = { connection: string; state: string; matched: number; queued: number; done: number; failed: number; startedAt: string | null; queuedAt: string | null; finishedAt: string | null; filters: object };
const progress = async (connection = ASANA): Promise<Progress> => {
  const res = await get(`/admin/connections/${connection}/backfill`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const finished = (ms = 40_000) => until('the backfill finished', async () => ((await progress()).state === 'finished' ? progress() : false), ms);

/** Inserts defects directly (fast, and with no outbox row: no queue ever heard of them). */
async function insertDefects(n: number, f: { project: string; status?: string; createdDaysAgo?: number }): Promise<string[]> {
  const rows = await svc.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "Defect" (id, title, project, status, "createdAt", "updatedAt")
    SELECT gen_random_uuid(), ${`${f.project} defect `} || g, ${f.project}, ${f.status ?? 'open'}::"DefectStatus", now() - make_interval(days => ${f.createdDaysAgo ?? 30}), now()
    FROM generate_series(1, ${n}) g RETURNING id::text`;
  return rows.map((r) => r.id);
}
const asanaTasks = (id: string) => t.ticketsFor(id).asana.length;

describe('POST /admin/connections/:name/backfill', () => {
  it('creates one Asana task for each of 500 existing defects its route names, paced behind ordinary changes, and never a second', async () => {
    const legacy = await insertDefects(500, { project: P });
    const githubOnly = await insertDefects(20, { project: R });
    const createsBefore = t.creates().asana;

    const started = await backfill({});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ connection: ASANA, filters: {} });
    expect(['queuing', 'running']).toContain(started.body.state);
    // One at a time per connection: a second call while this one runs is refused and names it.
    const again = await backfill({ status: ['open'] });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/^a backfill of oncall-asana is running \(started /);

    // A defect created during the backfill gets its ticket promptly: its job is not behind the backlog.
    await until('the backfill under way', async () => (await progress()).done >= 20);
    const fresh = await createDefect(svc.http, { title: 'Created during the backfill', project: P });
    const createdAt = Date.now();
    await until('the new defect in Asana', () => t.asana.tasks().some((x) => x['name'] === 'Created during the backfill'), 10_000);
    const whenFresh = await progress();
    expect(Date.now() - createdAt).toBeLessThan(3000);
    expect(whenFresh.done).toBeLessThan(450); // hundreds of backfill jobs were still waiting
    // So does an edit of a defect the backfill already linked.
    const [linked] = await svc.prisma.trackerLink.findMany({ where: { connection: ASANA, defectId: { in: legacy }, syncState: 'synced' }, take: 1 });
    const key = `DEF-${(await svc.prisma.defect.findUniqueOrThrow({ where: { id: linked!.defectId } })).number}`;
    await patchDefect(svc.http, key, { title: 'Edited during the backfill' });
    const editedAt = Date.now();
    await until('the edit in Asana', () => t.asana.tasks().some((x) => x['name'] === 'Edited during the backfill'), 10_000);
    expect(Date.now() - editedAt).toBeLessThan(3000);
    // And an edit of a defect whose backfill job is still waiting: the change neither replaces that job nor
    // waits behind it (no shared deduplication key); whichever runs second finds the link and adds no task.
    const waiting = await svc.prisma.defect.findFirstOrThrow({ where: { id: { in: legacy }, links: { none: {} } }, orderBy: { id: 'desc' } });
    await patchDefect(svc.http, `DEF-${waiting.number}`, { title: 'Edited while its backfill job waits' });
    const waitingAt = Date.now();
    await until('that edit in Asana', () => t.asana.tasks().some((x) => x['name'] === 'Edited while its backfill job waits'), 10_000);
    expect(Date.now() - waitingAt).toBeLessThan(3000);
    expect((await progress()).done).toBeLessThan(500);

    const end = await finished();
    expect(end).toMatchObject({ state: 'finished', matched: 500, queued: 500, done: 500, failed: 0 });
    expect(Date.parse(end.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(end.startedAt!));
    // Exactly one task per defect (found by the marker each carries), none for the defects routed elsewhere.
    expect(legacy.filter((id) => asanaTasks(id) !== 1)).toEqual([]);
    expect(githubOnly.filter((id) => asanaTasks(id) !== 0)).toEqual([]);
    expect(t.creates().asana - createsBefore).toBe(501); // the 500 and the defect created meanwhile
    // The queue's pacing held: 500 jobs at 50 a second take about ten.
    expect(Date.parse(end.finishedAt!) - Date.parse(end.startedAt!)).toBeGreaterThan((500 / JOBS_PER_SECOND - 2) * 1000);
    // Nor did it touch GitHub: the route names it too, but that is the relay's business at each defect's
    // next change; only the two defects edited meanwhile have a GitHub ticket.
    const onGithub = await svc.prisma.trackerLink.findMany({ where: { connection: 'shop-github', defectId: { in: legacy } }, select: { defectId: true } });
    expect(onGithub.map((l) => l.defectId).sort()).toEqual([linked!.defectId, waiting.id].sort());
    expect(asanaTasks(waiting.id)).toBe(1);

    // The dashboard's figures carry it.
    const status = await get('/admin/sync-status');
    expect(status.body.connections.find((c: { connection: string }) => c.connection === ASANA).backfill).toMatchObject({ state: 'finished', matched: 500, done: 500 });

    // Again: every defect is linked now, so nothing matches and no task is made.
    const second = await backfill({});
    expect(second.status).toBe(202);
    expect(await finished()).toMatchObject({ matched: 0, done: 0 });
    expect(t.creates().asana - createsBefore).toBe(501);
    expect(legacy.filter((id) => asanaTasks(id) !== 1)).toEqual([]);
    expect(asanaTasks(fresh.id)).toBe(1);
  }, 90_000);

  it('takes only the defects the status, project and since filters all select', async () => {
    const recent = 10;
    const old = 400;
    const ids: Record<string, string[]> = {};
    for (const status of ['open', 'reopened', 'resolved', 'closed']) {
      for (const days of [recent, old]) ids[`${status}/${days}`] = await insertDefects(3, { project: Q, status, createdDaysAgo: days });
    }
    const others = await insertDefects(4, { project: S, status: 'open', createdDaysAgo: recent });
    const since = new Date(Date.now() - 100 * 86_400_000).toISOString();

    const res = await backfill({ status: ['open', 'reopened'], project: [Q], since });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.filters).toEqual({ status: ['open', 'reopened'], project: [Q], since });
    const end = await finished();
    expect(end).toMatchObject({ matched: 6, done: 6, failed: 0 });
    const chosen = [...ids[`open/${recent}`]!, ...ids[`reopened/${recent}`]!];
    expect(chosen.filter((id) => asanaTasks(id) !== 1)).toEqual([]);
    const left = Object.entries(ids).filter(([k]) => !['open/10', 'reopened/10'].includes(k)).flatMap(([, v]) => v);
    expect(left.filter((id) => asanaTasks(id) !== 0)).toEqual([]);
    expect(others.filter((id) => asanaTasks(id) !== 0)).toEqual([]);

    // Each filter alone: the project S only.
    expect((await backfill({ project: [S] })).status).toBe(202);
    expect(await finished()).toMatchObject({ matched: 4, done: 4 });
    expect(others.filter((id) => asanaTasks(id) !== 1)).toEqual([]);
    expect(left.filter((id) => asanaTasks(id) !== 0)).toEqual([]);
  }, 60_000);

  it('answers 404 for an unknown connection, 409 for a retired one, 400 naming the field, 401 without the token', async () => {
    for (const res of [await backfill({}, 'nope'), await get('/admin/connections/nope/backfill')]) {
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe('connection nope was not found');
    }
    await svc.prisma.connection.create({ data: { name: 'old-jira', kind: 'jira', status: 'retired' } });
    const retired = await backfill({}, 'old-jira');
    expect(retired.status).toBe(409);
    expect(retired.body.error.message).toMatch(/^connection old-jira is retired/);
    const cases: [unknown, string][] = [
      [{ status: ['opened'] }, 'status[0]'],
      [{ status: 'open' }, 'status'],
      [{ project: ['has space'] }, 'project[0]'],
      [{ since: 'last tuesday' }, 'since'],
      [{ sinse: '2026-01-01T00:00:00Z' }, 'sinse'],
    ];
    for (const [body, field] of cases) {
      const res = await backfill(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    expect((await svc.http.post(`/admin/connections/${ASANA}/backfill`).send({})).status).toBe(401);
    // A connection that never had one reports none.
    expect(await progress('shop-github')).toMatchObject({ connection: 'shop-github', state: 'none', matched: 0, done: 0, startedAt: null });
  });

  it('is taken over once stalled: its jobs lost from Redis and no progress for STALL_MS, a new call starts over with what still has no ticket', async () => {
    const lost = await insertDefects(20, { project: L });
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName(ASANA), { connection: redis, prefix: svc.queuePrefix });
    try {
      await queue.pause(); // the jobs wait, as they would for a worker that is gone
      const first = await backfill({ project: [L] });
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      await until('every lost defect queued', async () => (await progress()).state === 'running');
      expect((await backfill({ project: [L] })).status).toBe(409);
      // Redis loses them (a flush, a failover without persistence) and nothing happens for the stall time.
      await queue.drain(true);
      await svc.prisma.$executeRaw`UPDATE "Backfill" SET "progressAt" = now() - make_interval(secs => ${STALL_MS / 1000 + 60}::float8) WHERE connection = ${ASANA}`;
      const stalled = await progress();
      expect(stalled).toMatchObject({ state: 'stalled', matched: 20, queued: 20, done: 0 });

      const again = await backfill({ project: [L] });
      expect(again.status, JSON.stringify(again.body)).toBe(202);
      expect(again.body.state).not.toBe('stalled');
      await queue.resume();
      const done = await finished();
      expect(done).toMatchObject({ matched: 20, done: 20, failed: 0, filters: { project: [L] } });
      expect(lost.filter((id) => asanaTasks(id) !== 1)).toEqual([]);
    } finally {
      await queue.resume();
      await queue.close();
      redis.disconnect();
    }
  }, 60_000);
});
