// Starts a relay on the process's queues (src/outbox/wiring.ts) and stops it: shared by the worker role
// and by the crash tests' relay process, so both run the same thing.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { OutboxRelay } from './relay.ts';
import type { SyncQueues } from './wiring.ts';
import type { Route } from '../sync/sync-config.ts';

export type RelaySettings = {
  prisma: PrismaClient;
  databaseUrl: string;
  /** One per configured connection, on the producer connection (they hold the jobs' attempts and backoff). */
  queues: SyncQueues;
  /** SYNC_CONFIG routes; absent: every defect to every connection. */
  routes?: readonly Route[] | undefined;
  sweepMs: number;
  debounceMs: number;
  /** SYNC_DEBOUNCE_MAX_MS; default debounceMs. */
  debounceMaxMs?: number;
  log: Logger;
  /** The deployment (QUEUE_PREFIX): one relay of it publishes at a time. */
  deployment: string;
};

export async function startRelay(s: RelaySettings): Promise<() => Promise<void>> {
  const relay = new OutboxRelay({ prisma: s.prisma, databaseUrl: s.databaseUrl, queues: s.queues, routes: s.routes, log: s.log, sweepMs: s.sweepMs, debounceMs: s.debounceMs, ...(s.debounceMaxMs !== undefined && { debounceMaxMs: s.debounceMaxMs }), leaderLock: s.deployment });
  await relay.start();
  return () => relay.stop();
}
