// The admin figures move with real effects: the whole service against the fake trackers, a link the
// tracker refuses, a conflict, webhooks accepted / duplicated / rejected; resync and retry queue jobs
// that then sync; /metrics series move with a sync and a webhook.
import { distinctMessage } from '../helpers/context.ts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { forgetEarlierSyncState } from './fresh.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';
import { patchDefect, recordRun } from '../helpers/fixtures.ts';

const ADMIN = 'admin-token-for-the-status-tests';
let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;
let http: ReturnType<typeof request>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ env: { ADMIN_TOKEN: ADMIN }, sendWebhooks: true, debounceMs: 200 }));
  await forgetEarlierSyncState(svc.prisma);
  http = request(svc.url!);
});
afterAll(() => stop?.());

const admin = (path: string) => http.get(path).set('authorization', `Bearer ${ADMIN}`);
const post = (path: string, body: object) => http.post(path).set('authorization', `Bearer ${ADMIN}`).send(body);
type TrackerStatus = { connection: string; tracker: string; enabled: boolean; health: string; reasons: string[]; links: Record<string, number>; linkedDefects: number; lastSuccessAt: string | null; lastFailure: { error: string; defect: string } | null; conflicts24h: number; webhooks24h: { accepted: number; rejected: number; unsigned: number; duplicate: number; ignored: number }; queue: Record<string, number> };
async function status(connection: string): Promise<TrackerStatus> {
  const res = await admin('/admin/sync-status');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.connections.find((x: TrackerStatus) => x.connection === connection);
}

async function syncedDefect(title: string) {
  const run = await recordRun(svc.http, { testCase: `admin › ${randomUUID().slice(0, 8)}`, status: 'failed', message: distinctMessage('boom') });
  const res = await svc.http.post('/api/defects').send({ title, assignee: ANA.email, caseRunIds: [run.id] });
  expect(res.status).toBe(201);
  const links = await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  return { key: res.body.key as string, links };
}

async function metric(line: RegExp): Promise<number> {
  const res = await svc.http.get('/metrics');
  expect(res.status).toBe(200);
  const found = res.text.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').at(-1)) : 0;
}

describe('GET /admin/sync-status', () => {
  it('reports every tracker on and green with its queue, links and last success once a defect is synced', async () => {
    const before = await metric(/^defect_sync_sync_jobs_total\{connection="github",tracker="github",outcome="created"\}/);
    const calls = await metric(/^defect_sync_tracker_api_calls_total\{connection="jira",tracker="jira",status="201"\}/);
    const d = await syncedDefect('Checkout spinner never stops');
    const res = await admin('/admin/sync-status');
    expect(res.body.connections.map((x: TrackerStatus) => [x.connection, x.tracker])).toEqual([
      ['github', 'github'],
      ['jira', 'jira'],
      ['asana', 'asana'],
    ]);
    for (const tracker of ['github', 'jira', 'asana']) {
      const s = await status(tracker);
      expect(s).toMatchObject({ enabled: true, health: 'green' });
      expect(s.links.synced).toBeGreaterThanOrEqual(1);
      expect(s.linkedDefects).toBeGreaterThanOrEqual(1);
      expect(Date.parse(s.lastSuccessAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect(Object.keys(s.queue).sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
    }
    expect(res.body.outbox).toMatchObject({ unpublished: expect.any(Number), oldestAgeSeconds: expect.any(Number) });
    // …and the metrics moved with it: a job created (counted as the job finishes, just after its link is
    // saved), Jira answered 201, latency observed.
    await until('the created job counted', async () => (await metric(/^defect_sync_sync_jobs_total\{connection="github",tracker="github",outcome="created"\}/)) === before + 1);
    expect(await metric(/^defect_sync_tracker_api_calls_total\{connection="jira",tracker="jira",status="201"\}/)).toBeGreaterThan(calls);
    expect(await metric(/^defect_sync_sync_latency_seconds_count\{direction="outbound",connection="asana",tracker="asana"\}/)).toBeGreaterThanOrEqual(1);
    // The activity row is written as the attempt finishes, like the metric above.
    const sync = await until('three created attempts recorded', async () => {
      const r = await admin(`/admin/defects/${d.key}/sync`);
      return r.body.activity?.filter((a: { outcome: string }) => a.outcome === 'created').length === 3 && r;
    });
    expect(sync.status).toBe(200);
    expect(sync.body.links).toHaveLength(3);
    expect(sync.body.links[0].snapshot.fields.title).toBe('Checkout spinner never stops');
    const created = sync.body.activity.filter((a: { outcome: string }) => a.outcome === 'created');
    expect(created.map((a: { tracker: string }) => a.tracker).sort()).toEqual(['asana', 'github', 'jira']);
    expect(created[0]).toMatchObject({ direction: 'out', pushed: expect.arrayContaining(['title', 'context']), error: null });
  });

  it('shows a link the tracker refuses as failed, red, listed in trouble with its error; retry heals it', async () => {
    const d = await syncedDefect('Invoice PDF is blank');
    // GitHub refuses every edit until healed (other syncs of the defect, e.g. webhook echoes, must not heal it by chance).
    t.github.tracker.fail({ status: 422, route: 'ticket.update', times: 1000 });
    await patchDefect(svc.http, d.key, { title: 'Invoice PDF is blank on Safari' });
    await until('the github link failed', async () => (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'github')?.syncState === 'failed');

    const gh = await status('github');
    expect(gh.health).toBe('red');
    expect(gh.links.failed).toBeGreaterThanOrEqual(1);
    expect(gh.lastFailure).toMatchObject({ defect: d.key, error: expect.stringMatching(/422|Validation/i) });
    expect((await status('jira')).health).toBe('green');

    const trouble = await admin('/admin/links?state=failed&tracker=github');
    expect(trouble.status).toBe(200);
    expect(trouble.body.data.find((l: { defect: string }) => l.defect === d.key)).toMatchObject({ tracker: 'github', syncState: 'failed', lastError: expect.any(String) });
    expect((await admin('/admin/links?state=failed&tracker=jira')).body.data.find((l: { defect: string }) => l.defect === d.key)).toBeUndefined();
    const activity = (await admin(`/admin/defects/${d.key}/sync`)).body.activity;
    expect(activity.find((a: { tracker: string; outcome: string }) => a.tracker === 'github' && a.outcome === 'failed')?.error).toMatch(/422|Validation/i);

    t.github.tracker.clearFaults();
    const retry = await post('/admin/links/retry', { state: ['failed'], connection: 'github' });
    expect(retry.status).toBe(202);
    expect(retry.body.queued).toContainEqual(expect.objectContaining({ defect: d.key, connection: 'github', via: 'queue' }));
    await until('github synced again', async () => (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'github')?.syncState === 'synced');
    expect(t.github.issue(Number(remoteIdOf(d.links, 'github'))).title).toBe('Invoice PDF is blank on Safari');
  });

  it('resync queues a job per tracker that then runs (an unchanged ticket costs no write)', async () => {
    const d = await syncedDefect('Avatar upload times out');
    const writes = t.writes();
    const res = await post(`/admin/defects/${d.key}/resync`, {});
    expect(res.status).toBe(202);
    expect(res.body.queued.map((q: { connection: string }) => q.connection).sort()).toEqual(['asana', 'github', 'jira']);
    await until('three unchanged attempts', async () => {
      const activity = (await admin(`/admin/defects/${d.key}/sync`)).body.activity as { outcome: string }[];
      return activity.filter((a) => a.outcome === 'unchanged').length >= 3;
    });
    expect(t.writes()).toEqual(writes);
    const one = await post(`/admin/defects/${d.key}/resync`, { connection: 'jira' });
    expect(one.body.queued).toEqual([expect.objectContaining({ connection: 'jira', via: 'queue' })]);
    // `tracker` as before connections: every connection of that kind (here the one).
    const byKind = await post(`/admin/defects/${d.key}/resync`, { tracker: 'asana' });
    expect(byKind.status, JSON.stringify(byKind.body)).toBe(202);
    expect(byKind.body.queued).toEqual([expect.objectContaining({ connection: 'asana', via: 'queue' })]);
  });

  it('counts a conflict decided in the last 24 h, with both values and the winner in the defect view', async () => {
    const d = await syncedDefect('Dark mode colours wrong');
    const before = (await status('jira')).conflicts24h;
    t.jira.webhooks.pause();
    try {
      t.jira.edit(remoteIdOf(d.links, 'jira'), { summary: 'Dark mode colours wrong (Jira)' });
      await new Promise((r) => setTimeout(r, 20));
      await patchDefect(svc.http, d.key, { title: 'Dark mode colours wrong (defect)' });
      await until('a jira conflict', async () => (await status('jira')).conflicts24h > before);
    } finally {
      t.jira.webhooks.resume();
    }
    const view = (await admin(`/admin/defects/${d.key}/sync`)).body;
    expect(view.conflicts[0]).toMatchObject({ tracker: 'jira', field: 'title', defectValue: 'Dark mode colours wrong (defect)', remoteValue: 'Dark mode colours wrong (Jira)', winner: 'defect' });
    expect(view.activity.find((a: { tracker: string; conflicts: string[] }) => a.tracker === 'jira' && a.conflicts.length)?.conflicts).toEqual(['title→defect']);
    expect(await metric(/^defect_sync_conflicts_total\{field="title"\}/)).toBeGreaterThanOrEqual(1);
  });

  it('counts webhooks accepted, duplicate and rejected in the last 24 h, and in /metrics', async () => {
    const d = await syncedDefect('Search ignores accents');
    const before = (await status('github')).webhooks24h;
    const rejectedMetric = await metric(/^defect_sync_webhook_requests_total\{connection="github",tracker="github",result="rejected"\}/);
    t.github.webhooks.copies = 2; // GitHub sends the same delivery twice
    try {
      t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { title: 'Search ignores accents (é)' });
      await t.webhooksSettled();
    } finally {
      t.github.webhooks.copies = 1;
    }
    const forged = await svc.http.post('/webhooks/github').set('content-type', 'application/json').set('x-github-event', 'issues').set('x-github-delivery', randomUUID()).set('x-hub-signature-256', `sha256=${'0'.repeat(64)}`).send('{"action":"edited"}');
    expect(forged.status).toBe(401);
    const after = (await status('github')).webhooks24h;
    expect(after.accepted).toBe(before.accepted + 1);
    expect(after.duplicate).toBe(before.duplicate + 1);
    expect(after.rejected).toBe(before.rejected + 1);
    expect((await status('github')).health).toBe('amber'); // a rejected webhook is worth a look
    expect(await metric(/^defect_sync_webhook_requests_total\{connection="github",tracker="github",result="rejected"\}/)).toBe(rejectedMetric + 1);
    await until('the title pulled in', async () => (await svc.http.get(`/api/defects/${d.key}`)).body.title === 'Search ignores accents (é)');
    expect(await metric(/^defect_sync_sync_latency_seconds_count\{direction="inbound",connection="github",tracker="github"\}/)).toBeGreaterThanOrEqual(1);
  });
});

describe('link counts', () => {
  it('equal a full count of the links after creates, failures, retries and bulk updates', async () => {
    const counted = await svc.prisma.$queryRaw<{ connection: string; state: string; n: number }[]>`
      SELECT connection, "syncState"::text AS state, count(*)::int AS n FROM "TrackerLink" GROUP BY 1, 2`;
    const res = await admin('/admin/sync-status');
    for (const s of res.body.connections as TrackerStatus[]) {
      for (const [state, n] of Object.entries(s.links)) {
        expect(n, `${s.connection} ${state}`).toBe(counted.find((c) => c.connection === s.connection && c.state === state)?.n ?? 0);
      }
    }
    expect(Object.values((await status('github')).links).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

describe('admin input', () => {
  it('names the offending field in a 400, and answers 404 for an unknown defect', async () => {
    const cases: [Promise<request.Response>, string][] = [
      [admin('/admin/links?state=failed,broken'), 'state'],
      [admin('/admin/links?limt=5'), 'limt'],
      [admin('/admin/links?cursor=abc'), 'cursor'],
      [admin('/admin/activity?tracker=trello'), 'tracker'],
      [post('/admin/links/retry', { state: [] }), 'state'],
      [post('/admin/links/retry', { state: ['synced'] }), 'state[0]'],
      [post('/admin/links/retry', { state: ['failed'], force: true }), 'force'],
      [post('/admin/defects/DEF-1/resync', { tracker: 'trello' }), 'tracker'],
      [post('/admin/defects/DEF-1/resync', { connection: 'Not A Name' }), 'connection'],
      [admin('/admin/conflicts?connection=x_y'), 'connection'],
    ];
    for (const [req, field] of cases) {
      const res = await req;
      expect(res.status, field).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await admin('/admin/defects/DEF-999999/sync')).status).toBe(404);
    expect((await post('/admin/defects/DEF-999999/resync', {})).status).toBe(404);
  });

  it('pages the links in trouble with a cursor', async () => {
    const first = await admin('/admin/links?state=pending,synced,failed,retrying,missing&limit=1');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    const second = await admin(`/admin/links?state=pending,synced,failed,retrying,missing&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data).toHaveLength(1);
    expect(`${second.body.data[0].defect}/${second.body.data[0].connection}`).not.toBe(`${first.body.data[0].defect}/${first.body.data[0].connection}`);
  });
});
