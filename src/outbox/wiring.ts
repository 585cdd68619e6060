// What one process holds in Redis, made once and handed to every part: one producer connection shared
// by the queues, the relay, the inbox, the admin surface, readiness and the metrics; one Queue object
// per connection's queue on it; and, for a process that runs workers, one connection for the BullMQ
// workers (each Worker then opens its own blocking connection from it). Closed last, after every part.
import type { Queue } from 'bullmq';
import type { Logger } from '../logger.ts';
import type { ConnectionName } from '../sync/connections.ts';
import { redisFrom, type RedisClient, type RedisTarget } from '../redis.ts';
import { createQueues, logQueueErrors, type JobRetry, type SyncJobData } from './queues.ts';

export type SyncQueues = ReadonlyMap<ConnectionName, Queue<SyncJobData>>;

export type RedisWiring = {
  target: RedisTarget;
  /** QUEUE_PREFIX: every key this process writes starts with it. */
  prefix: string;
  producer: RedisClient;
  queues: SyncQueues;
  /** The attempts and backoff the queues give a job (JOB_DEFAULTS unless a test tunes them). */
  jobRetry: JobRetry | undefined;
  /** The workers' connection, made at the first call (an API-only process never opens it). */
  workers(): RedisClient;
  close(): Promise<void>;
};

export function wireRedis(s: RedisTarget & { queuePrefix: string; connections: readonly ConnectionName[]; log: Logger; jobRetry?: JobRetry | undefined }): RedisWiring {
  const producer = redisFrom(s, 'producer');
  // It reconnects on its own; each failure surfaces on the call that made it, and on /readyz.
  producer.on('error', () => undefined);
  const queues = createQueues(producer, s.queuePrefix, s.connections, s.jobRetry);
  logQueueErrors(queues, s.log);
  let workers: RedisClient | undefined;
  return {
    target: { redisUrl: s.redisUrl, redisClusterNodes: s.redisClusterNodes },
    prefix: s.queuePrefix,
    producer,
    queues,
    jobRetry: s.jobRetry,
    workers: () => (workers ??= redisFrom(s, 'worker')),
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      producer.disconnect();
      workers?.disconnect();
    },
  };
}
