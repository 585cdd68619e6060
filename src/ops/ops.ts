// What the operations routes need, wired once per process: the metrics registry with its on-scrape
// sources, and the readiness checks. One Redis connection serves the PING check and the queue counts.
import { Redis } from 'ioredis';
import type { PrismaClient } from '../db.ts';
import type { MetricTarget } from '../metrics.ts';
import { createQueues } from '../outbox/queues.ts';
import { Metrics } from '../metrics.ts';
import { databaseCheck, redisCheck, type Check } from './readiness.ts';
import { outboxBacklog, queueCounts } from './sources.ts';

export type Ops = {
  metrics: Metrics;
  checks: Readonly<Record<string, Check>>;
  close(): Promise<void>;
};

export type OpsSettings = {
  prisma: PrismaClient;
  /** Without it there is no Redis check and no queue gauge (an app built for tests of the API alone). */
  redisUrl?: string;
  queuePrefix?: string;
  /** The connections (name and kind: the gauge's labels), whose queues are counted. */
  connections?: readonly MetricTarget[];
  /** The process's Metrics, when other parts (the sync workers) record into it too. */
  metrics?: Metrics;
};

export function createOps(s: OpsSettings): Ops {
  const metrics = s.metrics ?? new Metrics();
  metrics.registerOutboxBacklog(outboxBacklog(s.prisma));
  const checks: Record<string, Check> = { database: databaseCheck(s.prisma) };
  if (s.redisUrl === undefined) return { metrics, checks, close: async () => undefined };

  // Commands fail after one reconnect attempt instead of queueing forever while Redis is away.
  const redis = new Redis(s.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 1000, lazyConnect: true });
  checks.redis = redisCheck(redis);
  const connections = s.connections ?? [];
  const queues = createQueues(redis, s.queuePrefix ?? 'defect-sync', connections.map((c) => c.connection));
  // Redis being away shows in /readyz and in the gauge's source-error count; BullMQ would print each error.
  for (const q of queues.values()) q.on('error', () => undefined);
  if (connections.length > 0) metrics.registerQueueDepth(connections, queueCounts(queues));
  return {
    metrics,
    checks,
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}
