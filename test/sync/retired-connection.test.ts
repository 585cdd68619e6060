// A connection dropped from the configuration is retired: its links are kept and shown, and what its
// queue still held (jobs waiting on a tracker that is no longer configured, its poll schedule) is cleared
// at the next start of the workers, so Redis does not keep it for ever. State, not events: a job is
// "bring these two into agreement", so nothing is lost; configuring the connection again re-queues.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackers, type Trackers } from '../../fakes/index.ts';
import { githubOnly, startWithTrackers } from '../helpers/tracked-service.ts';
import { until } from '../helpers/service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { redisUrl } from '../helpers/context.ts';
import { POLL_JOB, queueName } from '../../src/outbox/queues.ts';

let t: Trackers;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });

beforeAll(async () => {
  t = await startTrackers();
});
afterAll(async () => {
  redis.disconnect();
  await t.stop();
});

describe('a retired connection', () => {
  it('keeps its links, and its queue and poll schedule are cleared when the workers start without it', async () => {
    const { svc: first, stop: stopFirst } = await startWithTrackers({ on: t, debounceMs: 50 });
    const defect = await createDefect(first.http, { title: 'Retired Jira keeps its link' });
    await until('tickets in all three', async () => (await first.prisma.trackerLink.count({ where: { defectId: defect.id, syncState: 'synced' } })) === 3);
    await stopFirst();

    // What the old process left in Jira's queue: a job delayed behind a 429, and its poll schedule.
    const jira = new Queue(queueName('jira'), { connection: redis, prefix: first.queuePrefix });
    await jira.add('sync', { outboxId: 'left', defectId: defect.id, kind: 'defect.updated', version: 1, fields: ['title'] }, { jobId: 'left-behind', delay: 3_600_000 });
    await jira.upsertJobScheduler('poll', { every: 60_000 }, { name: 'poll', data: POLL_JOB });
    expect((await jira.getJobCounts('delayed', 'waiting')).delayed).toBeGreaterThan(0);
    const github = new Queue(queueName('github'), { connection: redis, prefix: first.queuePrefix });
    await github.add('sync', { outboxId: 'kept', defectId: defect.id, kind: 'defect.updated', version: 1, fields: ['title'] }, { jobId: 'kept', delay: 3_600_000 });

    // The same fakes (its tickets are there), Jira no longer configured.
    const { svc: second, stop: stopSecond } = await startWithTrackers({ on: t, env: (base) => githubOnly(base), queuePrefix: first.queuePrefix });
    expect(await second.prisma.connection.findUnique({ where: { name: 'jira' } })).toMatchObject({ status: 'retired' });
    const counts = await jira.getJobCounts('delayed', 'waiting', 'active', 'prioritized', 'wait');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await jira.getJobSchedulers()).toEqual([]);
    // Its link stays, shown with its connection.
    const shown = await second.http.get(`/api/defects/${defect.id}`);
    expect(shown.body.links.map((l: { connection: string }) => l.connection).sort()).toEqual(['asana', 'github', 'jira']);
    // A configured connection's queue is left as it was.
    expect(await github.getJob('kept')).toBeDefined();
    await Promise.all([jira.close(), github.close()]);
    await stopSecond();
  });
});
