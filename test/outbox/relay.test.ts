import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Queue } from 'bullmq';
import { databaseUrl, queuePrefix, redisUrl, testApi } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { createLogger } from '../../src/logger.ts';
import { OutboxRelay, relayLeaderKey } from '../../src/outbox/relay.ts';
import { createQueues, jobIdFor, type SyncJobData } from '../../src/outbox/queues.ts';

const { prisma, http } = testApi();
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const log = createLogger('silent');
const opened: { close(): Promise<void> }[] = [];
const running: OutboxRelay[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});
afterAll(async () => {
  for (const o of opened) await o.close();
  connection.disconnect();
});

function queuesFor(prefix: string, trackers: string[]) {
  const queues = createQueues(connection, prefix, trackers);
  opened.push(...queues.values());
  return queues;
}

function relay(queues: Map<string, Queue<SyncJobData>>, sweepMs = 60_000, retentionMs?: number) {
  const r = new OutboxRelay({ prisma, databaseUrl, queues, log, sweepMs, ...(retentionMs !== undefined && { retentionMs }) });
  running.push(r);
  return r;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function outboxIdsOf(defectId: string) {
  return (await prisma.outboxEvent.findMany({ where: { defectId }, orderBy: { id: 'asc' } })).map((o) => o.id);
}

async function jobsFor(queue: Queue<SyncJobData>, outboxId: bigint) {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
  return jobs.filter((j) => j.data.outboxId === outboxId.toString());
}

/** Marks everything earlier files left unpublished, so each test sees only its own rows. */
beforeEach(async () => {
  const drain = new OutboxRelay({ prisma, databaseUrl, queues: new Map(), log, sweepMs: 60_000 });
  while ((await drain.publishBatch()) > 0);
});

describe('outbox relay', () => {
  it('records on each row the queues it went to, leaving out the tracker the change came from', async () => {
    const prefix = `${queuePrefix}-published-to`;
    const queues = queuesFor(prefix, ['github', 'jira', 'asana']);
    const d = await createDefect(http, { title: 'Published to whom' });
    await prisma.$executeRaw`INSERT INTO "OutboxEvent" ("defectId", kind, payload) VALUES (${d.id}::uuid, 'defect.updated', ${JSON.stringify({ version: 2, fields: ['title'], actor: 'tracker:jira', origin: 'jira' })}::jsonb)`;
    while ((await relay(queues).publishBatch()) > 0);
    const rows = await prisma.outboxEvent.findMany({ where: { defectId: d.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.publishedTo)).toEqual([
      ['github', 'jira', 'asana'],
      ['github', 'asana'],
    ]);
  });

  it('publishes a committed change to every tracker queue within moments (NOTIFY, not the sweep)', async () => {
    const prefix = `${queuePrefix}-notify`;
    const queues = queuesFor(prefix, ['github', 'jira']);
    await relay(queues).start();
    const d = await createDefect(http, { severity: 'high' });
    const [outboxId] = await outboxIdsOf(d.id);

    for (const queue of queues.values()) {
      const job = await until('the job', () => queue.getJob(jobIdFor(outboxId!)), 3_000);
      expect(job.name).toBe('defect.created');
      expect(job.data).toEqual({ outboxId: outboxId!.toString(), defectId: d.id, kind: 'defect.created', version: 1, fields: expect.any(Array) });
    }
    await until('the row to be stamped', async () => (await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))?.publishedAt);
  });

  it('listens again after its LISTEN connection is killed', async () => {
    const queue = queuesFor(`${queuePrefix}-relisten`, ['github']).get('github')!;
    await relay(new Map([['github', queue]])).start();
    const listenerPid = () =>
      prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`;
    const [first] = await until('the LISTEN session', async () => {
      const sessions = await listenerPid();
      return sessions.length > 0 && sessions;
    });
    await prisma.$queryRaw`SELECT pg_terminate_backend(${first!.pid}::int)`;
    await until('a new LISTEN session', async () => (await listenerPid()).some((r) => r.pid !== first!.pid));
    const d = await createDefect(http);
    const [outboxId] = await outboxIdsOf(d.id);
    // The sweep runs once a minute here, so only a working LISTEN delivers this in time.
    await until('the job', () => queue.getJob(jobIdFor(outboxId!)), 3_000);
  });

  it('marks rows handled and queues nothing when no tracker is configured', async () => {
    const d = await createDefect(http);
    await relay(new Map()).start();
    const [outboxId] = await outboxIdsOf(d.id);
    await until('the row to be stamped', async () => (await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))?.publishedAt);
    expect(await connection.keys(`${queuePrefix}-none:*`)).toEqual([]);
  });

  it('sweeps up rows it was never notified about', async () => {
    const prefix = `${queuePrefix}-sweep`;
    const queues = queuesFor(prefix, ['asana']);
    const d = await createDefect(http);
    // The create's own row is handled first: jobs coalesce per defect, and this test is about the silent row.
    const drain = new OutboxRelay({ prisma, databaseUrl, queues: new Map(), log, sweepMs: 60_000 });
    while ((await drain.publishBatch()) > 0);
    // A row written without NOTIFY, as if the notification had been lost.
    const silent = await prisma.outboxEvent.create({
      data: { defectId: d.id, kind: 'defect.updated', payload: { version: 2, fields: ['title'], actor: 'test' } },
    });
    const r = relay(queues, 200);
    await r.start();
    await until('the swept job', () => queues.get('asana')!.getJob(jobIdFor(silent.id)));
  });

  it('publishes each row once even after a crash between publishing and marking', async () => {
    const prefix = `${queuePrefix}-crash`;
    const queue = queuesFor(prefix, ['github']).get('github')!;
    const d = await createDefect(http);
    const [outboxId] = await outboxIdsOf(d.id);
    const child = (failpoints: string) =>
      spawn(process.execPath, [fileURLToPath(new URL('../helpers/relay-child.ts', import.meta.url))], {
        env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, CONNECTIONS: 'github', DEFECT_SYNC_FAILPOINTS: failpoints },
        stdio: ['ignore', 'inherit', 'inherit'],
      });

    const crashing = child('relay.after-publish');
    const signal = await new Promise((resolve) => crashing.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    expect(await jobsFor(queue, outboxId!)).toHaveLength(1);
    expect((await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))!.publishedAt).toBeNull();

    const healthy = child('');
    try {
      await until('the row to be stamped after restart', async () => (await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))?.publishedAt);
    } finally {
      healthy.kill('SIGTERM');
      await new Promise((resolve) => healthy.once('exit', resolve));
    }
    const jobs = await jobsFor(queue, outboxId!);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe(jobIdFor(outboxId!));
  });

  it('lets two relays share the work, every row published', async () => {
    const prefix = `${queuePrefix}-pair`;
    const queue = queuesFor(prefix, ['jira']).get('jira')!;
    const a = relay(queuesFor(prefix, ['jira']), 100);
    const b = relay(queuesFor(prefix, ['jira']), 100);
    await Promise.all([a.start(), b.start()]);
    const defects = await Promise.all(Array.from({ length: 20 }, () => createDefect(http)));
    const ids = (await prisma.outboxEvent.findMany({ where: { defectId: { in: defects.map((d) => d.id) } } })).map((o) => o.id);
    await until('every row stamped', async () => (await prisma.outboxEvent.count({ where: { id: { in: ids }, publishedAt: null } })) === 0);
    const jobs = await queue.getJobs(['waiting']);
    const published = jobs.map((j) => j.data.outboxId).filter((id) => ids.map(String).includes(id));
    expect(published.sort()).toEqual(ids.map(String).sort());
  });

  it('publishes from one relay per deployment; another stands by and takes over within a sweep when the first stops', async () => {
    const prefix = `${queuePrefix}-leader`;
    const queue = queuesFor(prefix, ['jira']).get('jira')!;
    const relayOf = (deployment: string) => {
      const r = new OutboxRelay({ prisma, databaseUrl, queues: queuesFor(deployment, ['jira']), log, sweepMs: 100, leaderLock: deployment });
      running.push(r);
      return r;
    };
    const a = relayOf(prefix);
    await a.start();
    const b = relayOf(prefix);
    // What b publishes, batch by batch: nothing while a holds the lock.
    const byB: number[] = [];
    const publishBatch = b.publishBatch.bind(b);
    b.publishBatch = async () => {
      const n = await publishBatch();
      byB.push(n);
      return n;
    };
    await b.start();
    expect([a.publishing, b.publishing]).toEqual([true, false]);

    const published = async (n: number) => {
      const defects = await Promise.all(Array.from({ length: n }, () => createDefect(http)));
      const ids = (await prisma.outboxEvent.findMany({ where: { defectId: { in: defects.map((d) => d.id) } } })).map((o) => String(o.id));
      await until('every row stamped', async () => (await prisma.outboxEvent.count({ where: { id: { in: ids.map(BigInt) }, publishedAt: null } })) === 0);
      return ids;
    };
    const first = await published(10);
    expect(b.publishing).toBe(false);
    expect(byB.filter((n) => n > 0)).toEqual([]);
    await a.stop();
    await until('the standby to take over', async () => b.publishing, 3_000);
    const second = await published(10);
    expect(byB.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(10); // b published the second ten
    // Every row reached the queue once, from whichever relay published it then.
    const jobs = (await queue.getJobs(['waiting'])).map((j) => j.data.outboxId);
    expect(jobs.filter((j) => first.includes(j) || second.includes(j)).sort()).toEqual([...first, ...second].sort());
  });

  it('publishes from a standby when the lock holder is alive to PostgreSQL but publishes nothing', async () => {
    const prefix = `${queuePrefix}-frozen`;
    const queue = queuesFor(prefix, ['jira']).get('jira')!;
    // A holder that never publishes: the lock taken on a plain session, as a frozen process would keep it.
    const frozen = new pg.Client({ connectionString: databaseUrl });
    await frozen.connect();
    await frozen.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [relayLeaderKey(prefix)]);
    try {
      const r = new OutboxRelay({ prisma, databaseUrl, queues: queuesFor(prefix, ['jira']), log, sweepMs: 100, leaderLock: prefix, standbyTakesOverAfterMs: 1000 });
      running.push(r);
      await r.start();
      expect(r.publishing).toBe(false);
      const d = await createDefect(http);
      const [outboxId] = await outboxIdsOf(d.id);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))!.publishedAt).toBeNull(); // not yet: it stands by
      await until('the standby to publish the waiting row', async () => (await prisma.outboxEvent.findUnique({ where: { id: outboxId! } }))?.publishedAt, 5_000);
      expect(await jobsFor(queue, outboxId!)).toHaveLength(1);
      expect(r.publishing).toBe(false); // still standing by: the lock is not its
    } finally {
      await frozen.end();
    }
  });

  it('prunes published rows once they are past retention', async () => {
    const published = await createDefect(http);
    await relay(new Map(), 100, 50).start();
    await until('the published row to be pruned', async () => (await prisma.outboxEvent.count({ where: { defectId: published.id } })) === 0);
  });
});
