// Entry point: `node src/main.ts [all|api|worker|migrate]` (default all).
//   all     API, outbox relay and sync workers in one process (applies migrations first)
//   api     the HTTP API only
//   worker  the outbox relay and sync workers only
//   migrate create the database if needed and apply migrations, then exit
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
import type { Connector, TrackerKind } from '../connectors/contract.ts';

export const ROLES = ['all', 'api', 'worker', 'migrate'] as const;
type Role = (typeof ROLES)[number];

type Stoppable = () => Promise<void>;
type Connectors = ReadonlyMap<TrackerKind, Connector>;

async function startApi(
  config: Config,
  log: Logger,
  prisma: ReturnType<typeof createPrisma>,
  connectors: Connectors,
  metrics: Metrics,
): Promise<Stoppable> {
  // Readiness PINGs Redis and /metrics counts the tracker queues: the API role needs Redis for both.
  const ops = createOps({ prisma, redisUrl: config.redisUrl, queuePrefix: config.queuePrefix, trackers: [...connectors.keys()], metrics });
  const inbound = startInbound(config, { prisma, log });
  const app = createApp({
    prisma,
    log,
    connectors,
    apiTokens: config.apiTokens,
    ops,
    metricsTokens: config.metricsTokens,
    webhooks: inbound.webhooks,
    ...(config.adminToken && { adminToken: config.adminToken }),
  });
  if (config.apiTokens.length === 0) {
    log.warn('API_TOKEN is not set: the API answers only clients on this machine (loopback); set API_TOKEN to serve others');
  }
  const server = app.listen(config.port);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`port ${config.port} is already in use; set PORT to a free port (PORT=0 picks one)`);
    if (err.code === 'EACCES') throw new Error(`port ${config.port} needs privileges this process lacks; set PORT to a port above 1023`);
    throw err;
  });
  log.info({ port: (server.address() as AddressInfo).port }, 'API listening');
  // Asana's handshake comes back to this server, so registering waits until it listens.
  void inbound.registerWebhooks();
  return async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections(); // keep-alive clients must not hold shutdown open
    });
    await inbound.stop();
    await ops.close();
  };
}

async function startWorker(
  config: Config,
  log: Logger,
  prisma: ReturnType<typeof createPrisma>,
  connectors: Connectors,
  sync: SyncConfig,
): Promise<Stoppable> {
  const stop = await startSync(syncSettings(config, sync, { prisma, connectors, log }));
  // With no tracker configured the relay marks changes handled without queueing them.
  log.info({ trackers: [...connectors.keys()], queuePrefix: config.queuePrefix }, 'sync worker running');
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
  try {
    config = loadConfig();
    sync = loadSyncConfig(config.syncConfigPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  log.info({ role, database: safeUrl(config.databaseUrl), redis: safeUrl(config.redisUrl) }, 'starting');

  if (role === 'migrate' || role === 'all') await migrate(config.databaseUrl, log);
  if (role === 'migrate') return;

  const prisma = createPrisma(config.databaseUrl);
  const connectors = buildConnectors(config.trackers, sync, config.sync.timeoutMs);
  const stops: Stoppable[] = [];
  // One registry per process: what the workers record shows on this process's /metrics (role all).
  const metrics = new Metrics();
  if (role === 'all' || role === 'api') stops.push(await startApi(config, log, prisma, connectors, metrics));
  if (role === 'all' || role === 'worker') stops.push(await startWorker(config, log, prisma, connectors, sync));

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
