// Webhook deliveries at the HTTP edge, against the real app, Postgres and Redis (no sync workers): replays
// of a signed body under fresh delivery ids (review #10 / security F7), notices about tickets that are not
// ours (F5), and unsigned posts versus the tracker's health (F6).
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import type { Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { forgetEarlierSyncState } from '../admin/fresh.ts';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Inbox } from '../../src/inbound/inbox.ts';
import type { SyncJobData } from '../../src/outbox/queues.ts';
import { redisUrl } from '../helpers/context.ts';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.ts';

const SECRETS = { github: 'gh-webhook-secret-for-inbound-tests', jira: 'jira-webhook-secret-for-inbound-tests' };
const ADMIN = 'admin-token-for-inbound-webhook-tests';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;
/** The service's log at info, one JSON line each. */
let logged = '';
const sink = new Writable({ write: (chunk, _enc, done) => ((logged += String(chunk)), done()) });

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ secrets: SECRETS, env: { ADMIN_TOKEN: ADMIN }, workers: false, listen: true, log: createLogger('info', 'test', sink) }));
});
afterAll(() => stop?.());

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const post = async (path: string, headers: Record<string, string>, body: string) => {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
};
const github = (body: string, delivery = randomUUID(), event = 'issues', secret = SECRETS.github) =>
  post('/webhooks/github', { 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': sign(secret, body) }, body);
const jira = (body: string, delivery = String(Date.now()) + randomUUID().slice(0, 6), secret = SECRETS.jira) =>
  post('/webhooks/jira', { 'x-atlassian-webhook-identifier': delivery, 'x-hub-signature': sign(secret, body) }, body);

/** A defect linked to a ticket with this remote id (a link row as the sync leaves it). */
async function linked(tracker: 'github' | 'jira', remoteId: string) {
  const d = await createDefect(svc.http);
  await svc.prisma.trackerLink.create({ data: { defectId: d.id, connection: tracker, tracker, remoteId, key: remoteId, url: `https://t.example/${remoteId}`, syncState: 'synced' } });
  return d;
}
const rowsAbout = (tracker: 'github' | 'jira', remoteId: string) => svc.prisma.inboundEvent.count({ where: { connection: tracker, remoteIds: { has: remoteId } } });
const admin = async () => {
  const res = await svc.http.get('/admin/sync-status').set('authorization', `Bearer ${ADMIN}`);
  expect(res.status).toBe(200);
  return res.body.connections as { connection: string; tracker: string; health: string; reasons: string[]; webhooks24h: Record<string, number> }[];
};
const metric = async (tracker: string, result: string) => {
  const text = (await svc.http.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('defect_sync_webhook_requests_total{') && l.includes(`tracker="${tracker}"`) && l.includes(`result="${result}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

/** Posts `count` requests, ten at a time (so the inbox's unique keys meet concurrent inserts too). */
async function many<T>(count: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += 10) out.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => send(i + j)))));
  return out;
}

describe('a signed body replayed under fresh delivery ids', () => {
  it('GitHub: 100 delivery ids for one signed body → one accepted, 99 answered 200 duplicate, one InboundEvent row', async () => {
    await linked('github', '4242');
    const body = JSON.stringify({ action: 'edited', issue: { number: 4242, updated_at: '2026-12-01T10:00:00Z' }, repository: { full_name: t.github.repository } });
    const answers = await many(100, () => github(body));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.body?.['duplicates'] === 1)).toHaveLength(99);
    expect(await rowsAbout('github', '4242')).toBe(1);

    // A different signed body about the same issue (a new change) is a new event.
    const next = JSON.stringify({ action: 'edited', issue: { number: 4242, updated_at: '2026-12-01T10:05:00Z' }, repository: { full_name: t.github.repository } });
    expect((await github(next)).status).toBe(202);
    expect(await rowsAbout('github', '4242')).toBe(2);
  });

  it('Jira: 100 webhook identifiers for one signed body → one accepted, the rest 200 duplicate, one InboundEvent row', async () => {
    await linked('jira', '31337');
    const body = JSON.stringify({ webhookEvent: 'jira:issue_updated', timestamp: 1764583200000, issue: { id: '31337', key: 'QA-7' } });
    const answers = await many(100, () => jira(body));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.body?.['duplicates'] === 1)).toHaveLength(99);
    expect(await rowsAbout('jira', '31337')).toBe(1);
  });
});

describe('notices about tickets that are not ours', () => {
  // Issue #4242 is linked (the pull request case reuses its number).
  beforeAll(async () => {
    if (!(await svc.prisma.trackerLink.count({ where: { connection: 'github', remoteId: '4242' } }))) await linked('github', '4242');
  });
  const repo = () => t.github.repository;
  const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> | null }>][] = [
    ['an issues event of another repository', () => github(JSON.stringify({ action: 'edited', issue: { number: 4242 }, repository: { full_name: 'evil/other' } }))],
    ['an issue no defect is linked to', () => github(JSON.stringify({ action: 'edited', issue: { number: 99999 }, repository: { full_name: repo() } }))],
    ['a pull request', () => github(JSON.stringify({ action: 'edited', issue: { number: 4242, pull_request: { url: 'https://x' } }, repository: { full_name: repo() } }))],
    ['an absurd issue number (1e300)', () => github(`{"action":"edited","issue":{"number":1e300},"repository":{"full_name":"${repo()}"}}`)],
    ['a ping', () => github(JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }), randomUUID(), 'ping')],
    ['a Jira issue of another project', () => jira(JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: '99999', key: 'OTHER-1', fields: { project: { key: 'OTHER' } } } }))],
    ['a Jira issue id of 5,000 digits', () => jira(JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: '9'.repeat(5000), key: 'QA-1' } }))],
    ['a Jira event about something other than an issue', () => jira(JSON.stringify({ webhookEvent: 'project_updated', project: { id: 1 } }))],
  ];

  it.each(cases)('%s: 200 {ignored: 1}, no InboundEvent row, counted as ignored', async (_name, send) => {
    const tracker = _name.startsWith('a Jira') ? 'jira' : 'github';
    const rows = await svc.prisma.inboundEvent.count();
    const before = { ignored: await metric(tracker, 'ignored'), accepted: await metric(tracker, 'accepted') };
    const stats = (await admin()).find((x) => x.tracker === tracker)!.webhooks24h;
    const res = await send();
    expect(res).toEqual({ status: 200, body: { accepted: 0, duplicates: 0, ignored: 1 } });
    expect(await svc.prisma.inboundEvent.count()).toBe(rows);
    expect(await metric(tracker, 'ignored')).toBe(before.ignored + 1);
    expect(await metric(tracker, 'accepted')).toBe(before.accepted);
    const after = (await admin()).find((x) => x.tracker === tracker)!.webhooks24h;
    expect(after).toMatchObject({ ignored: stats['ignored']! + 1, accepted: stats['accepted'] });
  });
});

/** Counts the debounce script's calls on this service's queues (Redis MONITOR) until `stop`. */
async function debounceScriptCalls(): Promise<{ readonly count: number; stop: () => Promise<void> }> {
  const monitor = await new Redis(redisUrl).monitor();
  const calls = { count: 0, stop: async () => {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the monitor's last lines
    monitor.disconnect();
  } };
  monitor.on('monitor', (_time: string, args: string[]) => {
    // EVALSHA: the script is defined once per connection (ioredis falls back to EVAL should Redis not have it).
    if (['eval', 'evalsha'].includes(String(args[0]).toLowerCase()) && args.some((a) => String(a).includes(`${svc.queuePrefix}:`) && String(a).includes(':first-change:'))) calls.count++;
  });
  return calls;
}

describe('jobs queued behind the answer', () => {
  it('answers 100 deliveries about 5 linked issues once recorded, then queues them in passes: one job per defect, every row stamped', async () => {
    const issues = [7101, 7102, 7103, 7104, 7105];
    const defects = await Promise.all(issues.map((n) => linked('github', String(n))));
    const queue = svc.redis.queues.get('github')!;
    const evals = await debounceScriptCalls();
    const answers = await many(100, (i) =>
      github(JSON.stringify({ action: 'edited', issue: { number: issues[i % 5], updated_at: new Date(Date.UTC(2026, 11, 2, 9, 0, i)).toISOString() }, repository: { full_name: t.github.repository } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));
    await svc.inbox.settled();
    await evals.stop();
    // Every row is stamped queued, and each defect has its one sync job waiting (the debounce's).
    expect(await svc.prisma.inboundEvent.count({ where: { connection: 'github', remoteIds: { hasSome: issues.map(String) }, queuedAt: null } })).toBe(0);
    const waiting = (await queue.getJobs(['delayed', 'waiting'])).filter((j) => defects.some((d) => d.id === j.data.defectId));
    expect(new Set(waiting.map((j) => j.data.defectId)).size).toBe(5);
    expect(waiting).toHaveLength(5);
    // The debounce's script ran once per pass, not once per delivery (ten deliveries come at a time; how
    // many passes a wave takes depends on timing, typically 13 in all).
    expect(evals.count).toBeGreaterThan(0);
    expect(evals.count).toBeLessThanOrEqual(50);
  });

  it('stamps the passes\' rows on its own within a moment, in one statement for several passes', async () => {
    const issues = ['7401', '7402', '7403'];
    await Promise.all(issues.map((n) => linked('github', n)));
    const recorded = [];
    for (const n of issues) recorded.push(await svc.inbox.record('github', [{ deliveryId: randomUUID(), event: 'issues.edited', remoteIds: [n] }], 'webhook'));
    const ids = recorded.flatMap((r) => r.rows.map((row) => row.id));
    const stamped = () => svc.prisma.inboundEvent.count({ where: { id: { in: ids }, queuedAt: { not: null } } });
    // Three passes (one per tick), no settled(): the stamp follows by itself, well before the sweep's 10 s.
    for (const r of recorded) {
      svc.inbox.queueSoon(r.rows);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const t0 = Date.now();
    while ((await stamped()) < ids.length && Date.now() - t0 < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await stamped()).toBe(ids.length);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const times = await svc.prisma.inboundEvent.findMany({ where: { id: { in: ids } }, select: { queuedAt: true } });
    expect(new Set(times.map((r) => r.queuedAt!.getTime())).size).toBe(1); // one statement's now()
  });

  it('queues the rows given in one tick in one pass: one debounce script call for all of them', async () => {
    const issues = ['7301', '7302', '7303', '7304', '7305'];
    await Promise.all(issues.map((n) => linked('github', n)));
    const recorded = [];
    for (const n of issues) recorded.push(await svc.inbox.record('github', [{ deliveryId: randomUUID(), event: 'issues.edited', remoteIds: [n] }], 'webhook'));
    const evals = await debounceScriptCalls();
    for (const r of recorded) svc.inbox.queueSoon(r.rows);
    await svc.inbox.settled();
    await evals.stop();
    expect(evals.count).toBe(1);
    const ids = recorded.flatMap((r) => r.rows.map((row) => row.id));
    expect(await svc.prisma.inboundEvent.count({ where: { id: { in: ids }, queuedAt: { not: null } } })).toBe(5);
  });

  it('answers 202 when the jobs cannot be queued, leaves the row to the sweep, and the sweep queues it', async () => {
    const d = await linked('github', '7201');
    const broken = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    broken.on('error', () => undefined);
    const queues = new Map([['github', new Queue<SyncJobData>(svc.redis.queues.get('github')!.name, { connection: broken, prefix: svc.queuePrefix })]]);
    queues.get('github')!.on('error', () => undefined);
    const errors: unknown[] = [];
    const inbox = new Inbox(svc.prisma, queues, { ms: 300, maxMs: 1000 }, (err) => errors.push(err));
    const { rows } = await inbox.record('github', [{ deliveryId: randomUUID(), event: 'issues.edited', remoteIds: ['7201'] }], 'webhook');
    inbox.queueSoon(rows);
    await inbox.settled();
    expect(errors).toHaveLength(1);
    expect(await svc.prisma.inboundEvent.findUniqueOrThrow({ where: { id: rows[0]!.id } })).toMatchObject({ queuedAt: null });
    // Older than the sweep's wait: the service's own inbox (Redis up) queues it.
    await svc.prisma.$executeRaw`UPDATE "InboundEvent" SET "receivedAt" = now() - interval '1 minute' WHERE id = ${rows[0]!.id}`;
    await svc.inbox.sweep();
    expect((await svc.prisma.inboundEvent.findUniqueOrThrow({ where: { id: rows[0]!.id } })).queuedAt).not.toBeNull();
    const jobs = await svc.redis.queues.get('github')!.getJobs(['delayed', 'waiting']);
    expect(jobs.filter((j) => j.data.defectId === d.id)).toHaveLength(1);
    await queues.get('github')!.close().catch(() => undefined);
    broken.disconnect();
  });
});

describe("a tracker's health and refused webhook posts", () => {
  it('stays green after 20 unsigned posts (counted, not judged), and turns amber for a signed one with a wrong secret', async () => {
    await forgetEarlierSyncState(svc.prisma);
    const gh = () => admin().then((all) => all.find((x) => x.tracker === 'github')!);
    expect((await gh()).health).toBe('green');
    const body = JSON.stringify({ action: 'edited', issue: { number: 1 }, repository: { full_name: t.github.repository } });
    const unsigned = await many(20, () => post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() }, body));
    expect(unsigned.every((a) => a.status === 401)).toBe(true);
    const after = await gh();
    expect(after).toMatchObject({ health: 'green', reasons: [] });
    expect(after.webhooks24h).toMatchObject({ unsigned: 20, rejected: 0 });
    expect(await metric('github', 'unsigned')).toBe(20);

    expect((await github(body, randomUUID(), 'issues', 'a-wrong-secret-somebody-set')).status).toBe(401);
    const wrong = await gh();
    expect(wrong.health).toBe('amber');
    expect(wrong.reasons).toEqual([expect.stringMatching(/1 signed webhook\(s\) rejected in 24 h/)]);
    expect(wrong.webhooks24h).toMatchObject({ unsigned: 20, rejected: 1 });
  });
});

describe('the request log', () => {
  it('has no line for a delivery answered 2xx (counted instead), and a warn line for a refused one', async () => {
    await linked('github', '7001');
    logged = '';
    const body = JSON.stringify({ action: 'edited', issue: { number: 7001 }, repository: { full_name: t.env.GITHUB_REPOSITORY } });
    expect((await github(body)).status).toBe(202);
    // Unsigned (a signed one with a wrong secret would colour the connection's health for the tests below).
    expect((await post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() }, body)).status).toBe(401);
    const ok = await svc.http.get('/healthz');
    expect(ok.status).toBe(200);
    const lines = logged.trim().split('\n').map((l) => JSON.parse(l) as { level: number; req?: { id: string; url: string }; res?: { statusCode: number } });
    const requests = lines.filter((l) => l.req && l.res);
    expect(requests.filter((l) => l.req!.url === '/webhooks/github').map((l) => [l.level, l.res!.statusCode])).toEqual([[40, 401]]);
    // Other requests keep their info line.
    expect(requests.find((l) => l.req!.id === ok.headers['x-request-id'])).toMatchObject({ level: 30, res: { statusCode: 200 } });
  });
});
