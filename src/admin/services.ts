// What the admin surface needs besides the database, built once per API process: one Redis connection
// for the sessions, the webhook counters and the connections' queues (counted, requeued, shown in
// Bull Board).
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { ConnectionName } from '../sync/connections.ts';
import { createQueues, type SyncJobData } from '../outbox/queues.ts';
import { AdminSessions } from './sessions.ts';
import { WebhookStats } from './webhook-stats.ts';

export type AdminServices = {
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  sessions: AdminSessions;
  webhookStats: WebhookStats;
  close(): Promise<void>;
};

export function createAdminServices(s: { redisUrl: string; queuePrefix: string; connections: readonly ConnectionName[] }): AdminServices {
  // Commands fail after one reconnect attempt instead of hanging a request while Redis is away.
  const redis = new Redis(s.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 1000 });
  redis.on('error', () => undefined); // reconnects on its own; failures surface on the calls
  const queues = createQueues(redis, s.queuePrefix, s.connections);
  for (const q of queues.values()) q.on('error', () => undefined);
  return {
    queues,
    sessions: new AdminSessions(redis, s.queuePrefix),
    webhookStats: new WebhookStats(redis, s.queuePrefix),
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}
