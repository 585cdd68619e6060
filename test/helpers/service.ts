// The whole service in the test process, configured the way an operator would (environment + the
// SYNC_CONFIG file), against the fake trackers: the API over supertest, the relay, the workers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import request from 'supertest';
import { createPrisma } from '../../src/db.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { loadConfig } from '../../src/config.ts';
import { loadSyncConfig } from '../../src/sync/sync-config.ts';
import { resolveConnections } from '../../src/sync/connections.ts';
import { recordConnections } from '../../src/store/connections.ts';
import { buildConnectors } from '../../src/sync/connectors.ts';
import { startSync, syncSettings, type SyncSettings } from '../../src/sync/start-sync.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { startInbound } from '../../src/inbound/start-inbound.ts';
import { createAdminServices } from '../../src/admin/services.ts';
import { createOps } from '../../src/ops/ops.ts';
import { createConnectionChecks } from '../../src/admin/connection-checks.ts';
import { Metrics } from '../../src/metrics.ts';
import { wireRedis } from '../../src/outbox/wiring.ts';
import type { JobRetry } from '../../src/outbox/queues.ts';
import { databaseUrl, queuePrefix, redisUrl, unique } from './context.ts';

export type ServiceOptions = {
  env: Record<string, string>;
  debounceMs?: number;
  /** SYNC_JOBS_PER_SECOND (default 1000: no pacing); a test of pacing or priority slows it. */
  jobsPerSecond?: number;
  workers?: boolean;
  /** Retry tuning a test shortens (attempts, backoff, the reconciler's slow schedule). */
  tune?: Pick<SyncSettings, 'slowRetry'> & { jobRetry?: JobRetry };
  /**
   * Serve the app on 127.0.0.1 too (for webhooks from the fakes): PUBLIC_URL is this address, and the
   * webhooks this service registers itself (Asana) are registered before startService returns.
   */
  listen?: boolean;
  /** QUEUE_PREFIX: another service's, to start where it left its queues (a restart); fresh by default. */
  queuePrefix?: string;
  /** The service's logger (a test that reads the log); silent by default, or TEST_LOG_LEVEL. */
  log?: Logger;
};

export async function startService(opts: ServiceOptions) {
  const prefix = opts.queuePrefix ?? unique(`${queuePrefix}-sync`);
  // The server exists before the app, so PUBLIC_URL can name its port; requests wait for the app.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = opts.listen ? createServer((req, res) => handler!(req, res)) : undefined;
  if (server) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = server ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : undefined;
  const config = loadConfig({
    // No scheduled polls unless a test asks (they would add reads to call counts); tests poll by hand.
    SYNC_POLL_MS: '0',
    ...opts.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    SYNC_DEBOUNCE_MS: String(opts.debounceMs ?? 300),
    SYNC_TIMEOUT_MS: '5000',
    SYNC_JOBS_PER_SECOND: String(opts.jobsPerSecond ?? 1000),
    OUTBOX_SWEEP_MS: '200',
    ...(url && { PUBLIC_URL: url }),
  });
  const sync = loadSyncConfig(config.syncConfigPath, opts.env);
  const connections = resolveConnections(config, sync);
  const log = opts.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const prisma = createPrisma(databaseUrl);
  await markEarlierChangesHandled(prisma);
  await recordConnections(prisma, connections);
  // One registry for the API and the workers, as in the `all` role.
  const metrics = new Metrics();
  const connectors = await buildConnectors(connections, sync, config.sync.timeoutMs, (connection, kind, status) => metrics.trackerCall(connection, kind, status));
  // The process's Redis as main.ts wires it: one producer connection and one Queue per connection.
  const redis = wireRedis({ ...config, connections: [...connectors.keys()], log, jobRetry: opts.tune?.jobRetry });
  const inbound = startInbound(config, connections, { prisma, log, queues: redis.queues });
  const admin = createAdminServices({ redis, routes: sync.routes });
  // Not started here: a check at start would take faults other files inject for their own calls. The
  // admin routes run them when asked, as in the service.
  const checks = createConnectionChecks(connections, connectors, { publicUrl: config.publicUrl, publicUrlSet: config.publicUrlSet, prisma });
  const app = createApp({
    prisma,
    log,
    connectors,
    webhooks: inbound.webhooks,
    admin,
    checks,
    ops: createOps({ prisma, metrics }),
    hooks: config.hooks,
    triage: sync.triage,
    ...(config.adminToken && { adminToken: config.adminToken }),
  });
  handler = app;
  if (server) await inbound.registerWebhooks();
  const stopSync =
    opts.workers === false
      ? async () => undefined
      : await startSync({ ...(await syncSettings(config, sync, connections, { prisma, connectors, log, redis })), ...(opts.tune?.slowRetry && { slowRetry: opts.tune.slowRetry }), metrics });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The server first, as main.ts does: a delivery arriving later would queue on a closed Redis.
    if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    await stopSync();
    await inbound.stop();
    await admin.close();
    await redis.close();
    await prisma.$disconnect();
  };
  afterAll(stop);
  return { prisma, http: request(app), app, url, config, connections, connectors, inbox: inbound.inbox, registrations: inbound.registrations, queuePrefix: prefix, redis, metrics, admin, checks, stop };
}

export type Service = Awaited<ReturnType<typeof startService>>;

/**
 * Other test files leave outbox rows nobody published (they ran without trackers) and links to their
 * own fakes; this file's relay and reconciler must not turn those into calls to its fakes.
 */
export async function markEarlierChangesHandled(prisma: ReturnType<typeof createPrisma>): Promise<void> {
  const drain = new OutboxRelay({ prisma, databaseUrl, queues: new Map(), log: createLogger('silent'), sweepMs: 60_000 });
  while ((await drain.publishBatch()) > 0);
  // Earlier files' tickets lived in fakes that are gone (and whose numbers this file's fakes reuse):
  // to this file they are missing, so its reconciler leaves them alone.
  await prisma.trackerLink.updateMany({ data: { syncState: 'missing' } });
  // Nor are earlier files' published changes first jobs this file's Redis lost: the reconciler's
  // lost-job check (src/sync/lost-jobs.ts) would otherwise give their defects tickets here. (Their
  // tracker notices name links now missing, which that check leaves alone.)
  await prisma.outboxEvent.updateMany({ where: { publishedAt: { not: null } }, data: { publishedTo: [] } });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err; // an assertion inside the probe that is not true yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
