// Entry point: `node src/main.ts [all|api|worker|migrate|check|retarget <connection>…]` (default all).
//   all      API, outbox relay and sync workers in one process (applies migrations first)
//   api      the HTTP API only
//   worker   the outbox relay and sync workers only
//   migrate  create the database if needed and apply migrations, then exit
//   check    check every connection against its tracker, print what was found, exit 1 on any error
//   retarget confirm that the named connections' links now live at their configured target (a renamed
//            repository, a moved site), then exit
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config.ts';
import { createLogger, safeUrl, type Logger } from './logger.ts';
import { createPrisma } from './db.ts';
import { createApp } from './http/app.ts';
import { createOps } from './ops/ops.ts';
import { Metrics } from './metrics.ts';
import { migrate } from './migrate.ts';
import { startSync, syncSettings } from './sync/start-sync.ts';
import { loadSyncConfig, type SyncConfig } from './sync/sync-config.ts';
import { buildConnectors } from './sync/connectors.ts';
import { startInbound } from './inbound/start-inbound.ts';
import { createAdminServices } from './admin/services.ts';
import { opsApp } from './http/ops-routes.ts';
import { hostPolicy } from './http/hosts.ts';
import type { Server } from 'node:http';
import type { Connector } from '../connectors/contract.ts';
import { resolveConnections, type ConnectionConfig, type ConnectionName } from './sync/connections.ts';
import { recordConnections } from './store/connections.ts';
import { runCheck } from './check-command.ts';
import { createConnectionChecks, type ConnectionChecks } from './admin/connection-checks.ts';
import { wireRedis, type RedisWiring } from './outbox/wiring.ts';
import { describeTarget } from './redis.ts';

export const ROLES = ['all', 'api', 'worker', 'migrate', 'check', 'retarget'] as const;
type Role = (typeof ROLES)[number];

type Stoppable = () => Promise<void>;
type Connectors = ReadonlyMap<ConnectionName, Connector>;

async function startApi(
  config: Config,
  log: Logger,
  prisma: ReturnType<typeof createPrisma>,
  connectors: Connectors,
  connections: readonly ConnectionConfig[],
  metrics: Metrics,
  routes: SyncConfig['routes'],
  redis: RedisWiring,
  triage: SyncConfig['triage'],
): Promise<Stoppable> {
  // Readiness PINGs Redis and /metrics counts the tracker queues: the API role needs Redis for both.
  const ops = createOps({ prisma, redis, connections: [...connectors.values()], metrics });
  const inbound = startInbound(config, connections, { prisma, log, queues: redis.queues });
  // Dashboard sessions, webhook counts and the queues the admin routes count and requeue (Redis).
  const admin = createAdminServices({ redis, routes, onCountError: (err) => log.warn({ err }, 'could not count webhooks for the admin status; kept for the next try') });
  const checks = createConnectionChecks(connections, connectors, { publicUrl: config.publicUrl, publicUrlSet: config.publicUrlSet, prisma });
  const app = createApp({
    prisma,
    log,
    connectors,
    apiTokens: config.apiTokens,
    ops,
    metricsTokens: config.metricsTokens,
    webhooks: inbound.webhooks,
    admin,
    checks,
    ...(config.publicUrlSet && { publicUrl: config.publicUrl }),
    allowedHosts: config.allowedHosts,
    hooks: config.hooks,
    triage,
    ...(config.adminToken && { adminToken: config.adminToken }),
  });
  if (!config.adminToken) log.info('ADMIN_TOKEN is not set: the admin API and dashboard (/admin) are off');
  if (config.apiTokens.length === 0) {
    log.warn('API_TOKEN is not set: the API answers only clients on this machine (loopback); set API_TOKEN to serve others');
  }
  const server = await listen(app.listen(config.port), config.port, 'PORT');
  log.info({ port: (server.address() as AddressInfo).port }, 'API listening');
  // Asana's handshake comes back to this server, so registering waits until it listens; the configuration
  // checks then run in the background (their findings show in /admin/sync-status and the log).
  void inbound.registerWebhooks().finally(() => void logChecks(checks, log));
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections(); // keep-alive clients must not hold shutdown open
    });
    await inbound.stop();
    await admin.close();
    await ops.close();
  };
}

/** Checks every connection once and logs what needs a look (warnings and errors, never a secret). */
async function logChecks(checks: ConnectionChecks, log: Logger): Promise<void> {
  for (const r of await checks.fresh()) {
    const problems = r.findings.filter((f) => f.level !== 'ok');
    if (problems.length) log[r.level === 'error' ? 'error' : 'warn']({ connection: r.connection, findings: problems }, `configuration check of ${r.connection}: ${problems[0]!.what}`);
  }
}

/** Waits until `server` listens; a port taken or privileged stops the process naming the setting. */
async function listen(server: Server, port: number, variable: string): Promise<Server> {
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`port ${port} is already in use; set ${variable} to a free port (${variable}=0 picks one)`);
    if (err.code === 'EACCES') throw new Error(`port ${port} needs privileges this process lacks; set ${variable} to a port above 1023`);
    throw err;
  });
  return server;
}

/**
 * The worker role serves no API; with METRICS_PORT it serves the operations routes (/healthz, /readyz,
 * /metrics, METRICS_TOKEN rules as on the API) so its sync metrics can be scraped.
 */
async function startWorkerOps(config: Config, log: Logger, prisma: ReturnType<typeof createPrisma>, connectors: Connectors, metrics: Metrics, redis: RedisWiring): Promise<Stoppable> {
  const ops = createOps({ prisma, redis, connections: [...connectors.values()], metrics });
  const hosts = hostPolicy({ publicUrl: config.publicUrlSet ? config.publicUrl : undefined, allowedHosts: config.allowedHosts });
  const app = opsApp({ ops, metricsTokens: config.metricsTokens, hosts, adminToken: config.adminToken, log });
  const server = await listen(app.listen(config.metricsPort), config.metricsPort!, 'METRICS_PORT');
  log.info({ port: (server.address() as AddressInfo).port }, 'worker metrics listening');
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await ops.close();
  };
}

async function startWorker(
  config: Config,
  log: Logger,
  prisma: ReturnType<typeof createPrisma>,
  connectors: Connectors,
  connections: readonly ConnectionConfig[],
  sync: SyncConfig,
  metrics: Metrics,
  redis: RedisWiring,
): Promise<Stoppable> {
  const stop = await startSync({ ...(await syncSettings(config, sync, connections, { prisma, connectors, log, redis })), metrics });
  // With no connection configured the relay marks changes handled without queueing them.
  log.info({ connections: [...connectors.keys()], queuePrefix: config.queuePrefix }, 'sync worker running');
  return stop;
}

async function main(): Promise<void> {
  loadDotEnv();
  const role = (process.argv[2] ?? 'all') as Role;
  if (!ROLES.includes(role)) {
    console.error(`unknown command "${role}"; use one of: ${ROLES.join(', ')}`);
    process.exit(2);
  }
  let config: Config;
  let sync: SyncConfig;
  let connections: ConnectionConfig[];
  try {
    config = loadConfig();
    sync = loadSyncConfig(config.syncConfigPath);
    connections = resolveConnections(config, sync);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // The check prints for people, not log lines; it needs neither migrations nor Redis.
  if (role === 'check') process.exit(await runCheck(config, sync, connections));
  const log = createLogger(config.logLevel);
  log.info({ role, database: safeUrl(config.databaseUrl), redis: describeTarget(config, safeUrl) }, 'starting');

  if (role === 'migrate' || role === 'all') await migrate(config.databaseUrl, log);
  if (role === 'migrate') return;

  const prisma = createPrisma(config.databaseUrl);
  const retarget = role === 'retarget' ? process.argv.slice(3) : [];
  try {
    const unknown = retarget.filter((name) => !connections.some((c) => c.name === name));
    if (role === 'retarget' && (retarget.length === 0 || unknown.length)) {
      throw new ConfigError([`retarget: name configured connections (${unknown.length ? `not configured: ${unknown.join(', ')}` : 'none given'}; configured: ${connections.map((c) => c.name).join(', ') || 'none'})`]);
    }
    const recorded = await recordConnections(prisma, connections, { retarget });
    if (recorded.adopted.length) log.info({ connections: recorded.adopted }, 'connections adopted their targets');
    if (recorded.retired.length) log.warn({ connections: recorded.retired }, 'connections no longer configured: their links are kept and not synced');
    if (recorded.retargeted.length) log.warn({ connections: recorded.retargeted }, 'connections confirmed at a new target: their links are synced there');
    if (role === 'retarget') {
      console.log(`recorded the configured targets of ${retarget.join(', ')}; start the service as usual`);
      await prisma.$disconnect();
      return;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // One registry per process: what the workers record shows on this process's /metrics (role all), or
  // on METRICS_PORT (role worker).
  const metrics = new Metrics();
  const connectors = await buildConnectors(connections, sync, config.sync.timeoutMs, (connection, kind, status) => metrics.trackerCall(connection, kind, status));
  // One producer connection and one Queue per connection for the whole process (API, relay, inbox, admin,
  // readiness, metrics), one connection for its workers; closed after everything that uses them.
  const redis = wireRedis({ ...config, connections: [...connectors.keys()], log });
  const stops: Stoppable[] = [() => redis.close()];
  if (role === 'all' || role === 'api') stops.push(await startApi(config, log, prisma, connectors, connections, metrics, sync.routes, redis, sync.triage));
  if (role === 'all' || role === 'worker') stops.push(await startWorker(config, log, prisma, connectors, connections, sync, metrics, redis));
  if (role === 'worker' && config.metricsPort !== undefined) stops.push(await startWorkerOps(config, log, prisma, connectors, metrics, redis));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    await prisma.$disconnect();
    clearTimeout(force);
    log.info('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

// Only when run as the entry point: tests import ROLES from here without starting a service.
if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
