// What happens after a job gives up or is lost: the reconciler keeps retrying links that failed for a
// transient reason on a slower schedule, requeues synced links whose defect moved past the version
// they synced (one counter, no clocks), and a refused create narrows the next marker search.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createDefect } from '../helpers/fixtures.ts';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createQueues } from '../../src/outbox/queues.ts';
import { reconcile } from '../../src/sync/reconcile.ts';
import { redisUrl } from '../helpers/context.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({
    env: { SYNC_RECONCILE_MS: '1000' },
    debounceMs: 100,
    // Two quick attempts per job, then the slow schedule from half a second: the production defaults
    // (8 attempts from 1 s, then 1 min doubling to 30 min) compressed.
    tune: { jobRetry: { attempts: 2, backoffMs: 100 }, slowRetry: { firstMs: 500, maxMs: 1000 } },
  }));
});
afterAll(() => stop?.());
afterEach(() => t.clearFaults());

const githubLink = (defectId: string) => svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId, connection: 'github' } } });

describe('links that failed for a transient reason', () => {
  it('are retried by the reconciler until the tracker is back, with no change of the defect', async () => {
    t.github.tracker.fail({ route: 'ticket.create', status: 500, times: 1000 });
    const d = await createDefect(svc.http, { title: 'Created during an outage' });
    const failed = await until('the job to give up and plan a later attempt', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'failed' && l.nextAttemptAt && l;
    });
    expect(failed.lastError).toMatch(/500/);
    const shown = (await svc.http.get(`/api/defects/${d.key}/links`)).body.data.find((l: { tracker: string }) => l.tracker === 'github');
    expect(shown).toMatchObject({ syncState: 'failed', nextAttemptAt: failed.nextAttemptAt!.toISOString() });
    // The outage outlasts more than one job: the reconciler keeps coming back (each time one attempt).
    await until('a second slow round', async () => ((await githubLink(d.id))?.attempts ?? 0) >= 4);
    t.clearFaults();
    const synced = await until('the link to sync once the tracker heals', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'synced' && l;
    });
    expect(synced.nextAttemptAt).toBeNull();
    expect(t.ticketsFor(d.id).github).toHaveLength(1);
    expect((await svc.prisma.defect.findUniqueOrThrow({ where: { id: d.id } })).version).toBe(1);
  });

  it('wait for a person when the tracker refused the request', async () => {
    t.github.tracker.fail({ route: 'ticket.create', status: 422, times: 1000, body: { message: 'Validation Failed', status: '422' } });
    const d = await createDefect(svc.http, { title: 'Refused by the tracker' });
    await until('the link to fail', async () => (await githubLink(d.id))?.syncState === 'failed');
    const creates = t.github.tracker.count('ticket.create');
    await new Promise((r) => setTimeout(r, 1500)); // several reconciler passes and slow-schedule delays
    expect((await githubLink(d.id))?.nextAttemptAt).toBeNull();
    expect(t.github.tracker.count('ticket.create')).toBe(creates);
  });
});

describe('a refused create', () => {
  it('starts the next marker search at the next attempt; an unknown outcome keeps the window', async () => {
    // 429 is answered before anything is created: the retry need not look for a ticket.
    t.github.tracker.fail({ route: 'ticket.create', status: 429, headers: { 'retry-after': '1' } });
    const searchesBefore = t.github.tracker.count('ticket.find');
    const d = await createDefect(svc.http, { title: 'Rate limited, then created' });
    const first = await until('the refused attempt', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'retrying' && l;
    });
    expect(first.createStartedAt).toBeNull();
    await until('synced', async () => (await githubLink(d.id))?.syncState === 'synced');
    expect(t.github.tracker.count('ticket.find') - searchesBefore).toBe(0);

    // A 500 may come after the tracker created the ticket: the retry searches from the first attempt.
    t.github.tracker.fail({ route: 'ticket.create', status: 500 });
    const e = await createDefect(svc.http, { title: 'Server error, then created' });
    const unknown = await until('the failed attempt', async () => {
      const l = await githubLink(e.id);
      return l && l.attempts > 0 && l;
    });
    expect(unknown.createStartedAt).not.toBeNull();
    const synced = await until('synced', async () => {
      const l = await githubLink(e.id);
      return l?.syncState === 'synced' && l;
    });
    expect(synced.createStartedAt).toEqual(unknown.createStartedAt);
    expect(t.github.tracker.count('ticket.find') - searchesBefore).toBe(1);
    expect(t.ticketsFor(e.id).github).toHaveLength(1);
  });
});

describe('reconciling synced links', () => {
  it('requeues a link whose defect moved past the version it synced, whatever the clocks say', async () => {
    const d = await createDefect(svc.http, { title: 'Before the lost job' });
    const synced = await until('synced', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'synced' && l;
    });
    expect(synced.syncedVersion).toBe(1);
    // An edit whose job was lost (no outbox row), written by an API host whose clock is a minute behind
    // the worker's: by the timestamps, the defect did not change after the last sync.
    await svc.prisma.$executeRaw`
      UPDATE "Defect" SET title = 'After the lost job', version = version + 1, "updatedAt" = ${new Date(synced.lastSyncedAt!.getTime() - 60_000)}
      WHERE id = ${d.id}::uuid`;
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queues = createQueues(connection, svc.queuePrefix, ['github', 'jira', 'asana']);
    try {
      expect(await reconcile(svc.prisma, queues, { staleMs: 0 })).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    }
    await until('the ticket to show the edit', () => (t.github.issue(Number(synced.remoteId)) as { title: string }).title === 'After the lost job');
    await until('the link to record the version', async () => (await githubLink(d.id))?.syncedVersion === 2);
  });

  it('requeues a tracker change whose job Redis lost, so the defect still takes it', async () => {
    const d = await createDefect(svc.http, { title: 'Before the lost inbound job' });
    const synced = await until('synced', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'synced' && l;
    });
    // A person renames the issue; the notice was recorded and queued, then Redis lost the job (no persistence).
    t.github.editByHand(Number(synced.remoteId), { title: 'Renamed in GitHub, job lost' });
    await svc.prisma.inboundEvent.create({
      data: { connection: 'github', deliveryId: `lost-${d.id}`, event: 'issues.edited', remoteIds: [synced.remoteId!], source: 'webhook', queuedAt: new Date() },
    });
    await reconcileOnce();
    await until('the defect to take the GitHub title', async () => (await svc.prisma.defect.findUniqueOrThrow({ where: { id: d.id } })).title === 'Renamed in GitHub, job lost');
  });

  it('creates the tickets of a defect whose first jobs Redis lost, and none for a defect from before the trackers', async () => {
    // Published to the three queues, then the jobs vanished with Redis: no link exists.
    const lost = await svc.prisma.defect.create({ data: { title: 'First job lost with Redis' } });
    await svc.prisma.$executeRaw`
      INSERT INTO "OutboxEvent" ("defectId", kind, payload, "publishedAt", "publishedTo")
      VALUES (${lost.id}::uuid, 'defect.created', ${JSON.stringify({ version: 1, fields: [], actor: 'api' })}::jsonb, now(), ARRAY['github','jira','asana'])`;
    // Changed before any tracker was configured (published to no queue): it waits for an explicit backfill.
    const older = await svc.prisma.defect.create({ data: { title: 'From before the trackers' } });
    await svc.prisma.$executeRaw`
      INSERT INTO "OutboxEvent" ("defectId", kind, payload, "publishedAt", "publishedTo")
      VALUES (${older.id}::uuid, 'defect.created', ${JSON.stringify({ version: 1, fields: [], actor: 'api' })}::jsonb, now(), ARRAY[]::text[])`;
    await reconcileOnce();
    await until('the lost defect has its three tickets', async () => {
      const links = await svc.prisma.trackerLink.findMany({ where: { defectId: lost.id } });
      return links.length === 3 && links.every((l) => l.syncState === 'synced');
    });
    expect(t.ticketsFor(lost.id).github).toHaveLength(1);
    expect(await svc.prisma.trackerLink.count({ where: { defectId: older.id } })).toBe(0);
  });
});

async function reconcileOnce(): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues(connection, svc.queuePrefix, ['github', 'jira', 'asana']);
  try {
    await reconcile(svc.prisma, queues, { staleMs: 0 });
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close()));
    connection.disconnect();
  }
}
