// What the operations routes need, wired once per process: the metrics registry with its on-scrape
// sources, and the readiness checks. The process's producer connection serves the PING check, and its
// queues the counts (src/outbox/wiring.ts).
import type { PrismaClient } from '../db.ts';
import type { MetricTarget } from '../metrics.ts';
import type { RedisWiring } from '../outbox/wiring.ts';
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
  redis?: Pick<RedisWiring, 'producer' | 'queues'>;
  /** The connections (name and kind: the gauge's labels), whose queues are counted. */
  connections?: readonly MetricTarget[];
  /** The process's Metrics, when other parts (the sync workers) record into it too. */
  metrics?: Metrics;
};

export function createOps(s: OpsSettings): Ops {
  const metrics = s.metrics ?? new Metrics();
  metrics.registerOutboxBacklog(outboxBacklog(s.prisma));
  const checks: Record<string, Check> = { database: databaseCheck(s.prisma) };
  // The connection and the queues belong to the process (closed with its wiring), not to these routes.
  const close = async () => undefined;
  if (s.redis === undefined) return { metrics, checks, close };
  checks.redis = redisCheck(s.redis.producer);
  const connections = s.connections ?? [];
  if (connections.length > 0) metrics.registerQueueDepth(connections, queueCounts(s.redis.queues));
  return { metrics, checks, close };
}
