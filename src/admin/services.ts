// What the admin surface needs besides the database, built once per API process: one Redis connection
// for the sessions, the webhook counters and the connections' queues (counted, requeued, shown in
// Bull Board).
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { ConnectionName } from '../sync/connections.ts';
import type { Route } from '../sync/sync-config.ts';
import { createQueues, type SyncJobData } from '../outbox/queues.ts';
import { AdminSessions } from './sessions.ts';
import { WebhookStats } from './webhook-stats.ts';

export type AdminServices = {
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  sessions: AdminSessions;
  webhookStats: WebhookStats;
  /** SYNC_CONFIG routes (absent: every defect goes to every connection), for a backfill's matching. */
  routes: readonly Route[] | undefined;
  /** Aborted by close(): work started by a request (a backfill's walk) stops between steps. */
  stopping: AbortSignal;
  /** Work a request left running; close() waits for it before closing the queues it writes to. */
  track(work: Promise<void>): void;
  close(): Promise<void>;
};

export function createAdminServices(s: { redisUrl: string; queuePrefix: string; connections: readonly ConnectionName[]; routes?: readonly Route[] | undefined }): AdminServices {
  // Commands fail after one reconnect attempt instead of hanging a request while Redis is away.
  const redis = new Redis(s.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 1000 });
  redis.on('error', () => undefined); // reconnects on its own; failures surface on the calls
  const queues = createQueues(redis, s.queuePrefix, s.connections);
  for (const q of queues.values()) q.on('error', () => undefined);
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  return {
    queues,
    sessions: new AdminSessions(redis, s.queuePrefix),
    webhookStats: new WebhookStats(redis, s.queuePrefix),
    routes: s.routes,
    stopping: stopping.signal,
    track: (work) => {
      running.add(work);
      const forget = () => void running.delete(work);
      work.then(forget, forget);
    },
    close: async () => {
      stopping.abort();
      await Promise.allSettled(running);
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}
