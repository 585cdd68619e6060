// What the admin surface needs besides the database, built once per API process on the process's
// producer connection (src/outbox/wiring.ts): the sessions, the webhook counters and the connections'
// queues (counted, requeued, shown in Bull Board).
import type { Queue } from 'bullmq';
import type { ConnectionName } from '../sync/connections.ts';
import type { Route } from '../sync/sync-config.ts';
import type { SyncJobData } from '../outbox/queues.ts';
import type { RedisWiring } from '../outbox/wiring.ts';
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

/** The queues are the wiring's (one per configured connection), closed with it after these services. */
export function createAdminServices(s: {
  redis: Pick<RedisWiring, 'producer' | 'queues' | 'prefix'>;
  routes?: readonly Route[] | undefined;
  /** A webhook count that could not reach Redis (kept and tried again at the next flush). */
  onCountError?: (err: unknown) => void;
}): AdminServices {
  const { producer, queues, prefix } = s.redis;
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const webhookStats = new WebhookStats(producer, prefix, { onFlushError: s.onCountError });
  return {
    queues,
    sessions: new AdminSessions(producer, prefix),
    webhookStats,
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
      await webhookStats.close();
    },
  };
}
