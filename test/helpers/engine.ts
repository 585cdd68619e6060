// The worker's own sync engine over a running test service, for files that drive each sync attempt by hand
// (so that it happens exactly when the test says) instead of through the queue.
import { loadSyncConfig, outboundFields } from '../../src/sync/sync-config.ts';
import { buildConnectors } from '../../src/sync/connectors.ts';
import { SyncEngine } from '../../src/sync/engine.ts';
import { SyncLocks } from '../../src/sync/lock.ts';
import { createLogger } from '../../src/logger.ts';
import { databaseUrl } from './context.ts';
import type { Service } from './service.ts';
import { startWithTrackers, type TrackedOptions } from './tracked-service.ts';
import type { Trackers } from '../../fakes/index.ts';

/** The engine and its locks (close them after); `timeoutMs` bounds each tracker call, `jobAttempts` is the queue's setting. */
async function handDrivenEngine(svc: Service, opts: { timeoutMs?: number; jobAttempts?: number } = {}): Promise<{ engine: SyncEngine; locks: SyncLocks }> {
  const sync = loadSyncConfig(svc.config.syncConfigPath);
  const locks = new SyncLocks(databaseUrl, 2);
  const engine = new SyncEngine({
    prisma: svc.prisma,
    connectors: await buildConnectors(svc.connections, sync, opts.timeoutMs ?? 5000),
    outbound: outboundFields(sync),
    directions: sync.fields,
    locks,
    publicUrl: svc.config.publicUrl,
    log: createLogger('silent'),
    retry: { jobAttempts: opts.jobAttempts ?? 8, slow: { firstMs: 1000, maxMs: 1000 } },
  });
  return { engine, locks };
}

/** The fakes and a service without workers (nothing syncs but the test), with the engine; stop() ends all three. */
export async function startHandDriven(
  opts: { env?: Record<string, string>; timeoutMs?: number; jobAttempts?: number } = {},
): Promise<{ t: Trackers; svc: Service; engine: SyncEngine; stop: () => Promise<void> }> {
  const tracked: TrackedOptions = { workers: false, ...(opts.env && { env: opts.env }) };
  const { t, svc, stop } = await startWithTrackers(tracked);
  const { engine, locks } = await handDrivenEngine(svc, opts);
  return { t, svc, engine, stop: async () => { await locks.close(); await stop(); } };
}
