// The worker role: the outbox relay (changes → queues), one sync worker per connection
// (queues → tickets) and the reconciler (interrupted syncs → queues), started and stopped together.
import { startHookDeliveries } from '../hooks/deliveries.ts';
import type { HookSettings } from '../hooks/policy.ts';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Connector, TicketField } from '../../connectors/contract.ts';
import type { ConnectionConfig, ConnectionName } from './connections.ts';
import { startRelay } from '../outbox/start-relay.ts';
import { clearRetiredQueues, JOB_DEFAULTS, POLL_JOB } from '../outbox/queues.ts';
import type { RedisWiring } from '../outbox/wiring.ts';
import { SLOW_RETRY, type SlowRetry } from './error-policy.ts';
import { SyncEngine } from './engine.ts';
import { SyncLocks } from './lock.ts';
import { startSyncWorkers } from './worker.ts';
import { CommentSync } from './comment-sync.ts';
import { startReconciler } from './reconcile.ts';
import type { Config } from '../config.ts';
import { outboundFields, type Direction, type Route, type SyncConfig } from './sync-config.ts';
import type { WebhookRegistrar } from '../../connectors/webhooks.ts';
import { buildWebhookRegistrars } from './connectors.ts';
import { Inbox } from '../inbound/inbox.ts';
import { pollTracker } from '../inbound/poll.ts';
import { WebhookRegistrations } from '../inbound/registrations.ts';
import { ensureWebhook } from '../inbound/register-webhooks.ts';
import { pruneActivity } from '../store/sync-activity.ts';
import type { Metrics } from '../metrics.ts';
import type { TriageConfig } from '../domain/triage.ts';
import { startTriage } from './triage-worker.ts';

export type SyncSettings = {
  prisma: PrismaClient;
  databaseUrl: string;
  /** The process's Redis: the queues on its producer connection, the workers on their own connection. */
  redis: RedisWiring;
  connectors: ReadonlyMap<ConnectionName, Connector>;
  /** SYNC_CONFIG routes; absent: every defect goes to every connection. */
  routes?: readonly Route[] | undefined;
  outbound: ReadonlySet<TicketField>;
  directions: Readonly<Record<TicketField, Direction>>;
  publicUrl: string;
  sweepMs: number;
  debounceMs: number;
  /** SYNC_DEBOUNCE_MAX_MS: the longest a change waits while more keep coming. */
  debounceMaxMs: number;
  concurrency: number;
  /** SYNC_LOCK_CONNECTIONS: the most database connections this process holds for sync locks. */
  lockConnections?: number;
  jobsPerSecond: number;
  reconcileMs: number;
  /** Handled inbound notices older than this many days are pruned by the reconciler's pass. */
  inboundRetentionDays: number;
  /** Outgoing webhooks: their deliveries run beside the sync workers. */
  hooks: HookSettings;
  /** How often each tracker is polled for changes webhooks missed (0: never, for tests that poll by hand). */
  pollMs: number;
  /** Webhooks this service keeps registered itself (Asana), checked at each poll; needs PUBLIC_URL. */
  registrars: readonly WebhookRegistrar[];
  log: Logger;
  /** Tuning for tests (production uses SLOW_RETRY): the reconciler's slow schedule after a job's attempts. */
  slowRetry?: SlowRetry;
  /** The process's metrics: sync jobs, latency and conflicts are recorded into it. */
  metrics?: Metrics;
  /** Connections configured with `evidenceComments: false` (issue 15 part 3). */
  noEvidence?: ReadonlySet<ConnectionName>;
  /** SYNC_CONFIG `triage`: the projects whose quiet launches the triage pass judges. */
  triage?: TriageConfig;
};

/** The settings the worker role runs with, from the environment and SYNC_CONFIG. */
export async function syncSettings(
  config: Config,
  sync: SyncConfig,
  connections: readonly ConnectionConfig[],
  deps: { prisma: PrismaClient; connectors: ReadonlyMap<ConnectionName, Connector>; log: Logger; redis: RedisWiring },
): Promise<SyncSettings> {
  return {
    ...deps,
    routes: sync.routes,
    databaseUrl: config.databaseUrl,
    outbound: outboundFields(sync),
    directions: sync.fields,
    publicUrl: config.publicUrl,
    sweepMs: config.outboxSweepMs,
    debounceMs: config.sync.debounceMs,
    debounceMaxMs: config.sync.debounceMaxMs,
    concurrency: config.sync.concurrency,
    lockConnections: config.sync.lockConnections,
    jobsPerSecond: config.sync.jobsPerSecond,
    reconcileMs: config.sync.reconcileMs,
    pollMs: config.sync.pollMs,
    inboundRetentionDays: config.inboundRetentionDays,
    hooks: config.hooks,
    registrars: config.publicUrlSet ? await buildWebhookRegistrars(connections, config.sync.timeoutMs) : [],
    noEvidence: new Set(connections.filter((c) => c.evidenceComments === false).map((c) => c.name)),
    triage: sync.triage,
  };
}

/**
 * Connections for sync locks: one per job that can run at once, capped (fifty connections at concurrency 5
 * would want 250), plus one for a link by hand in the same process. Jobs beyond the cap wait their turn.
 */
export function lockPoolSize(concurrency: number, connections: number, cap = 20): number {
  return Math.min(concurrency * connections, cap) + 1;
}

export async function startSync(s: SyncSettings): Promise<() => Promise<void>> {
  const connections = [...s.connectors.keys()];
  const { queues, prefix } = s.redis;
  const relay = await startRelay({ ...s, queues, deployment: prefix });
  // Outgoing webhooks are delivered by the worker role whether or not any tracker is configured.
  const stopHooks = startHookDeliveries({ prisma: s.prisma, producer: s.redis.producer, workers: s.redis.workers(), prefix, log: s.log, settings: s.hooks });
  // Automatic defects (issue 16 part 2) are raised here, whether or not any tracker is configured.
  const stopTriage = startTriage({ prisma: s.prisma, triage: s.triage ?? { projects: {} }, log: s.log });
  const stopRelay = async () => {
    await stopTriage();
    await stopHooks();
    await relay();
  };
  const retry = { jobAttempts: s.redis.jobRetry?.attempts ?? JOB_DEFAULTS.attempts ?? 1, slow: s.slowRetry ?? SLOW_RETRY };
  if (connections.length === 0) return stopRelay;

  const retired = await s.prisma.connection.findMany({ where: { status: 'retired', name: { notIn: connections } }, select: { name: true } });
  await clearRetiredQueues(s.redis.producer, prefix, retired.map((r) => r.name), s.log);
  const locks = new SyncLocks(s.databaseUrl, lockPoolSize(s.concurrency, connections.length, s.lockConnections), (lock) => s.metrics?.lockWait(lock));
  const engine = new SyncEngine({ prisma: s.prisma, connectors: s.connectors, outbound: s.outbound, directions: s.directions, locks, publicUrl: s.publicUrl, log: s.log, retry, ...(s.metrics && { metrics: s.metrics }) });
  const inbox = new Inbox(s.prisma, queues, { ms: s.debounceMs, maxMs: s.debounceMaxMs });
  const registrations = new WebhookRegistrations(s.prisma);
  const poll = async (name: ConnectionName) => {
    const result = await pollTracker(s.prisma, s.connectors.get(name)!, inbox, s.log);
    // A webhook the tracker dropped (deliveries kept failing) is registered again.
    for (const registrar of s.registrars.filter((r) => r.connection === name)) {
      await ensureWebhook(registrar, registrations, s.publicUrl, s.log).catch((err: unknown) => s.log.warn({ err, connection: name }, 'webhook check failed'));
    }
    return result;
  };
  const comments = new CommentSync({ prisma: s.prisma, connectors: s.connectors, locks, log: s.log, publicUrl: s.publicUrl, noEvidence: s.noEvidence ?? new Set() });
  const stopWorkers = startSyncWorkers({ engine, comments, poll, connection: s.redis.workers(), prefix, connections, concurrency: s.concurrency, jobsPerSecond: s.jobsPerSecond, log: s.log });
  if (s.pollMs > 0) {
    for (const queue of queues.values()) {
      await queue.upsertJobScheduler('poll', { every: s.pollMs }, { name: 'poll', data: POLL_JOB, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } });
    }
  }
  // Each pass also queues inbound events left unqueued, and prunes old sync activity and handled inbound events.
  const pruned = () =>
    Promise.all([
      pruneActivity(s.prisma)
        .then((n) => n && s.log.info({ rows: n }, 'pruned old sync activity'))
        .catch((err: unknown) => s.log.warn({ err }, 'pruning sync activity failed; next pass retries')),
      inbox
        .prune(s.inboundRetentionDays)
        .then((n) => n && s.log.info({ rows: n, days: s.inboundRetentionDays }, 'pruned handled inbound events'))
        .catch((err: unknown) => s.log.warn({ err }, 'pruning inbound events failed; next pass retries')),
    ]);
  const stopReconciler = startReconciler(s.prisma, queues, s.reconcileMs, s.log, async () => (await Promise.all([inbox.sweep(), pruned()]))[0]);
  return async () => {
    stopReconciler();
    await stopRelay();
    await stopWorkers();
    await locks.close();
  };
}
