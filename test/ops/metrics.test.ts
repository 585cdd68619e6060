// GET /metrics: Prometheus text from the app's own registry; series move when the service does.
import { mkdtempSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createPrisma } from '../../src/db.ts';
import { createOps } from '../../src/ops/ops.ts';
import { wireRedis } from '../../src/outbox/wiring.ts';
import { queueName } from '../../src/outbox/queues.ts';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
afterAll(() => prisma.$disconnect());

function opsFor(settings: { redisUrl?: string; queuePrefix?: string } = {}) {
  const redis = wireRedis({ redisUrl, queuePrefix, connections: ['github', 'jira'], log: createLogger('silent'), ...settings });
  const ops = createOps({ prisma, redis, connections: [{ connection: 'github', kind: 'github' }, { connection: 'jira', kind: 'jira' }] });
  afterAll(async () => {
    await ops.close();
    await redis.close();
  });
  return ops;
}

/** The value of one series in a scrape, e.g. value(text, 'x_total{tracker="github"}'); undefined when absent. */
function value(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const ops = opsFor();
const http = request(createApp({ prisma, log: createLogger('silent'), ops }));
const scrape = async () => {
  const res = await http.get('/metrics');
  expect(res.status).toBe(200);
  return res.text;
};

describe('GET /metrics', () => {
  it('answers Prometheus text with help, types and the default process metrics', async () => {
    const res = await http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# HELP defect_sync_sync_jobs_total ');
    expect(res.text).toContain('# TYPE defect_sync_sync_latency_seconds histogram');
    expect(res.text).toContain('# TYPE defect_sync_queue_jobs gauge');
    expect(value(res.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows the call-site counters and the latency histogram moving', async () => {
    const shop = { connection: 'shop-github', kind: 'github' } as const;
    const mobile = { connection: 'mobile-github', kind: 'github' } as const;
    const jira = { connection: 'jira', kind: 'jira' } as const;
    ops.metrics.webhook(shop, 'accepted');
    ops.metrics.webhook(shop, 'accepted');
    ops.metrics.webhook(mobile, 'accepted');
    ops.metrics.webhook(jira, 'duplicate');
    ops.metrics.syncJob({ connection: 'asana', kind: 'asana' }, 'created');
    ops.metrics.trackerCall('shop-github', 'github', 429);
    ops.metrics.trackerCall('jira', 'jira', 'timeout');
    ops.metrics.conflict('title');
    ops.metrics.lockWait('jira:comments');
    ops.metrics.syncLatency('outbound', shop, 0.3);
    ops.metrics.syncLatency('inbound', jira, 7);
    const text = await scrape();
    // Two connections of one kind are two series: one GitHub repository's trouble shows as its own.
    expect(value(text, 'defect_sync_webhook_requests_total{connection="shop-github",tracker="github",result="accepted"}')).toBe(2);
    expect(value(text, 'defect_sync_webhook_requests_total{connection="mobile-github",tracker="github",result="accepted"}')).toBe(1);
    expect(value(text, 'defect_sync_webhook_requests_total{connection="jira",tracker="jira",result="duplicate"}')).toBe(1);
    expect(value(text, 'defect_sync_sync_jobs_total{connection="asana",tracker="asana",outcome="created"}')).toBe(1);
    expect(value(text, 'defect_sync_tracker_api_calls_total{connection="shop-github",tracker="github",status="429"}')).toBe(1);
    expect(value(text, 'defect_sync_tracker_api_calls_total{connection="jira",tracker="jira",status="timeout"}')).toBe(1);
    expect(value(text, 'defect_sync_conflicts_total{field="title"}')).toBe(1);
    expect(value(text, 'defect_sync_sync_lock_waits_total{lock="jira:comments"}')).toBe(1);
    expect(value(text, 'defect_sync_sync_latency_seconds_bucket{le="0.5",direction="outbound",connection="shop-github",tracker="github"}')).toBe(1);
    expect(value(text, 'defect_sync_sync_latency_seconds_bucket{le="5",direction="inbound",connection="jira",tracker="jira"}')).toBe(0);
    expect(value(text, 'defect_sync_sync_latency_seconds_sum{direction="inbound",connection="jira",tracker="jira"}')).toBe(7);
  });

  it('shows the live heap: in use after the latest full collection, so freed memory leaves it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = async () => {
      gc();
      await new Promise((r) => setTimeout(r, 50)); // the collection's performance entry is delivered asynchronously
    };
    let held: unknown[] | undefined = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `held ${i}` }));
    await settle();
    const withHeld = value(await scrape(), 'defect_sync_heap_live_bytes')!;
    expect(held.length).toBe(400_000);
    held = undefined;
    await settle();
    const without = value(await scrape(), 'defect_sync_heap_live_bytes')!;
    // 400,000 small objects and strings are well over 20 MB; the figure is taken after a collection, not at random.
    expect(withHeld - without).toBeGreaterThan(20 * 2 ** 20);
    expect(without).toBeGreaterThan(0);
    // Garbage made since (no full collection yet) shows in the heap used, not in the live heap.
    let junk = 0;
    for (let i = 0; i < 100_000; i++) junk += [`garbage ${i}`, { i }].length;
    const after = await scrape();
    expect(junk).toBe(200_000);
    // (Within 2 MB: a full collection V8 chose to run meanwhile would find about the same live set.)
    expect(Math.abs(value(after, 'defect_sync_heap_live_bytes')! - without)).toBeLessThan(2 * 2 ** 20);
    expect(value(after, 'nodejs_heap_size_used_bytes')!).toBeGreaterThanOrEqual(value(after, 'defect_sync_heap_live_bytes')!);
  });

  it('keeps each app instance on its own registry', async () => {
    const other = request(createApp({ prisma, log: createLogger('silent'), ops: opsFor() }));
    ops.metrics.conflict('status');
    const text = (await other.get('/metrics')).text;
    expect(value(text, 'defect_sync_conflicts_total{field="status"}')).toBeUndefined();
  });

  it('reads the outbox backlog on scrape: a committed change counts until the relay publishes it', async () => {
    const before = value(await scrape(), 'defect_sync_outbox_unpublished_events')!;
    expect(before).toBeGreaterThanOrEqual(0);
    // A write through the API leaves one outbox row (no relay runs in this file).
    expect((await http.post('/api/defects').send({ title: unique('metrics backlog') })).status).toBe(201);
    // And a row an hour old, so the age gauge shows it; removed afterwards so no later relay sees it.
    const old = await prisma.outboxEvent.create({
      data: { defectId: crypto.randomUUID(), kind: 'defect.updated', payload: {}, createdAt: new Date(Date.now() - 3600_000) },
    });
    try {
      const text = await scrape();
      expect(value(text, 'defect_sync_outbox_unpublished_events')).toBe(before + 2);
      expect(value(text, 'defect_sync_outbox_oldest_unpublished_age_seconds')).toBeGreaterThanOrEqual(3600);
      await prisma.outboxEvent.update({ where: { id: old.id }, data: { publishedAt: new Date() } });
      expect(value(await scrape(), 'defect_sync_outbox_unpublished_events')).toBe(before + 1);
    } finally {
      await prisma.outboxEvent.delete({ where: { id: old.id } });
    }
  });

  it('reads queue depth by tracker and state from BullMQ on scrape', async () => {
    const prefix = unique(`${queuePrefix}-metrics`);
    const depth = opsFor({ queuePrefix: prefix });
    const app = request(createApp({ prisma, log: createLogger('silent'), ops: depth }));
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const github = new Queue(queueName('github'), { connection, prefix });
    try {
      await github.add('sync', { n: 1 }, { delay: 60_000 });
      await github.add('sync', { n: 2 }, { delay: 60_000 });
      await github.add('sync', { n: 3 });
      const text = (await app.get('/metrics')).text;
      expect(value(text, 'defect_sync_queue_jobs{connection="github",tracker="github",state="delayed"}')).toBe(2);
      expect(value(text, 'defect_sync_queue_jobs{connection="github",tracker="github",state="waiting"}')).toBe(1);
      expect(value(text, 'defect_sync_queue_jobs{connection="jira",tracker="jira",state="waiting"}')).toBe(0);
      expect(value(text, 'defect_sync_queue_jobs{connection="asana",tracker="asana",state="waiting"}')).toBeUndefined(); // not enabled
    } finally {
      await github.obliterate({ force: true });
      await github.close();
      connection.disconnect();
    }
  });

  it('still answers within a couple of seconds when Redis is down, counting the failed source', async () => {
    const down = opsFor({ redisUrl: 'redis://127.0.0.1:1' });
    const app = request(createApp({ prisma, log: createLogger('silent'), ops: down }));
    const started = Date.now();
    const res = await app.get('/metrics');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(value(res.text, 'defect_sync_queue_jobs{connection="github",tracker="github",state="waiting"}')).toBeUndefined();
    expect(value(res.text, 'defect_sync_metrics_source_errors_total{source="queues"}')).toBe(1);
    expect(value(res.text, 'defect_sync_outbox_unpublished_events')).toBeGreaterThanOrEqual(0);
    // Each failing scrape counts itself, in that same scrape.
    expect(value((await app.get('/metrics')).text, 'defect_sync_metrics_source_errors_total{source="queues"}')).toBe(2);
  });
});

/** A client that is not on loopback: the app on a Unix socket, whose peers have no IP address. */
async function listenOutside(metricsTokens?: string[]) {
  const app = createApp({ prisma, log: createLogger('silent'), ops, ...(metricsTokens && { metricsTokens }) });
  const socketPath = join(mkdtempSync(join(tmpdir(), 'ds-metrics-')), 'api.sock');
  const server = app.listen(socketPath);
  await new Promise((r) => server.once('listening', r));
  afterAll(() => new Promise((r) => server.close(r)));
  return (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ socketPath, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
}

describe('who may scrape', () => {
  const TOKEN = 'a-metrics-token-0123456789';

  it('without METRICS_TOKEN: loopback clients only; others get 401 naming METRICS_TOKEN', async () => {
    const call = await listenOutside();
    const res = await call('/metrics', { 'x-forwarded-for': '127.0.0.1' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.message).toContain('METRICS_TOKEN');
    expect((await call('/readyz')).status).toBe(200); // readiness stays open
  });

  it('with METRICS_TOKEN: the bearer token opens it, from anywhere; nothing else does', async () => {
    const call = await listenOutside([TOKEN]);
    expect((await call('/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await call('/metrics')).status).toBe(401);
    expect((await call('/metrics', { authorization: 'Bearer an-api-token-0123456789' })).status).toBe(401);
    const local = request(createApp({ prisma, log: createLogger('silent'), ops, metricsTokens: [TOKEN] }));
    expect((await local.get('/metrics')).status).toBe(401);
    expect((await local.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(200);
  });
});
