// Wires a relay to Redis and the connections' queues, and undoes it all on stop: shared by the worker
// role and by the crash tests' relay process, so both run the same thing.
import { Redis } from 'ioredis';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { OutboxRelay } from './relay.ts';
import { createQueues, logQueueErrors, type JobRetry } from './queues.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { Route } from '../sync/sync-config.ts';

export type RelaySettings = {
  prisma: PrismaClient;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  connections: readonly ConnectionName[];
  /** SYNC_CONFIG routes; absent: every defect to every connection. */
  routes?: readonly Route[] | undefined;
  sweepMs: number;
  debounceMs: number;
  /** SYNC_DEBOUNCE_MAX_MS; default debounceMs. */
  debounceMaxMs?: number;
  log: Logger;
  /** The jobs' attempts and backoff (default JOB_DEFAULTS). */
  jobRetry?: JobRetry;
};

export async function startRelay(s: RelaySettings): Promise<() => Promise<void>> {
  const connection = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues(connection, s.queuePrefix, s.connections, s.jobRetry);
  logQueueErrors(queues, s.log);
  const relay = new OutboxRelay({ prisma: s.prisma, databaseUrl: s.databaseUrl, queues, routes: s.routes, log: s.log, sweepMs: s.sweepMs, debounceMs: s.debounceMs, ...(s.debounceMaxMs !== undefined && { debounceMaxMs: s.debounceMaxMs }) });
  await relay.start();
  return async () => {
    await relay.stop();
    await Promise.all([...queues.values()].map((q) => q.close()));
    connection.disconnect();
  };
}
