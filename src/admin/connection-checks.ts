// The configuration checks an API process keeps for its admin routes. Each connection's check
// (src/sync/check.ts) costs a few tracker reads, so a result stands for CHECK_TTL_MS: GET /admin/connections
// waits for a result at most that old; /admin/sync-status, read by the dashboard every few seconds, never
// waits: it shows the last result and starts a fresh check in the background when that one is stale. The
// process checks every connection once at start, in the background (start never waits for a tracker).
// So trackers see at most one check per connection per CHECK_TTL_MS per API process, and only while
// someone looks; a monitor polling /admin/sync-status keeps the results fresh.
import type { Connector } from '../../connectors/contract.ts';
import type { ConnectionConfig, ConnectionName } from '../sync/connections.ts';
import { checkConnection, type CheckEnvironment, type ConnectionReport } from '../sync/check.ts';

export const CHECK_TTL_MS = 60_000;

export class ConnectionChecks {
  readonly names: readonly ConnectionName[];
  private readonly run: (name: ConnectionName) => Promise<ConnectionReport>;
  private readonly ttlMs: number;
  private readonly results = new Map<ConnectionName, { report: ConnectionReport; at: number }>();
  private readonly running = new Map<ConnectionName, Promise<ConnectionReport>>();

  constructor(names: readonly ConnectionName[], run: (name: ConnectionName) => Promise<ConnectionReport>, ttlMs = CHECK_TTL_MS) {
    this.names = names;
    this.run = run;
    this.ttlMs = ttlMs;
  }

  /** Checks every connection in the background. */
  start(): void {
    for (const name of this.names) void this.refresh(name);
  }

  /** The last result of each connection checked so far, without waiting; stale ones are re-checked in the background. */
  latest(): ReadonlyMap<ConnectionName, ConnectionReport> {
    for (const name of this.names) if (this.stale(name)) void this.refresh(name);
    return new Map([...this.results].map(([name, r]) => [name, r.report]));
  }

  /** Every connection's result, at most the TTL old: waits for the checks that must run. */
  async fresh(): Promise<ConnectionReport[]> {
    return Promise.all(this.names.map((name) => (this.stale(name) ? this.refresh(name) : Promise.resolve(this.results.get(name)!.report))));
  }

  private stale(name: ConnectionName): boolean {
    const r = this.results.get(name);
    return !r || Date.now() - r.at >= this.ttlMs;
  }

  /** One check per connection at a time: callers arriving while it runs share its result. */
  private refresh(name: ConnectionName): Promise<ConnectionReport> {
    const under = this.running.get(name);
    if (under) return under;
    const run = this.run(name)
      .then((report) => {
        this.results.set(name, { report, at: Date.now() });
        return report;
      })
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }
}

export function createConnectionChecks(connections: readonly ConnectionConfig[], connectors: ReadonlyMap<ConnectionName, Connector>, env: CheckEnvironment, ttlMs?: number): ConnectionChecks {
  const byName = new Map(connections.map((c) => [c.name, c]));
  return new ConnectionChecks(
    connections.filter((c) => connectors.has(c.name)).map((c) => c.name),
    (name) => checkConnection(byName.get(name)!, connectors.get(name)!, env),
    ttlMs,
  );
}
