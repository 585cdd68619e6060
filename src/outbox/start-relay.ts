// Wires a relay to Redis and the tracker queues, and undoes it all on stop: shared by the worker
// role and by the crash tests' relay process, so both run the same thing.
import { Redis } from 'ioredis';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { OutboxRelay } from './relay.ts';
import { createQueues, logQueueErrors, type JobRetry, type TrackerKind } from './queues.ts';

export type RelaySettings = {
  prisma: PrismaClient;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  trackers: readonly TrackerKind[];
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
  const queues = createQueues(connection, s.queuePrefix, s.trackers, s.jobRetry);
  logQueueErrors(queues, s.log);
  const relay = new OutboxRelay({ prisma: s.prisma, databaseUrl: s.databaseUrl, queues, log: s.log, sweepMs: s.sweepMs, debounceMs: s.debounceMs, ...(s.debounceMaxMs !== undefined && { debounceMaxMs: s.debounceMaxMs }) });
  await relay.start();
  return async () => {
    await relay.stop();
    await Promise.all([...queues.values()].map((q) => q.close()));
    connection.disconnect();
  };
}
