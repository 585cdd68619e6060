// A Redis Cluster of the test's own: three masters (`redis-server --cluster-enabled yes`) on free
// loopback ports in a temporary directory, joined with `redis-cli --cluster create`, no persistence. A
// master can be killed (SIGKILL) and started again on its port with its nodes file: it comes back with
// its node id and slots, and empty. The caller stops it (and removes its directory) in afterAll, after
// whatever uses it; a cluster that fails to start is removed at once.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../fakes/free-port.ts';
import { until } from './service.ts';

const run = promisify(execFile);

export type ClusterMaster = { port: number; busPort: number; child: ChildProcess | undefined };

/** redis-cli against one node; its stdout. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
}

/** `count` ports free now and distinct from each other (freePort alone may hand out one twice). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function privateCluster(opts: { nodeTimeoutMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ds-cluster-'));
  const ports = await distinctPorts(6);
  // The bus port is given too: the default (port + 10000) may be taken, or past 65535.
  const masters: ClusterMaster[] = [0, 1, 2].map((i) => ({ port: ports[i]!, busPort: ports[i + 3]!, child: undefined }));

  const start = async (m: ClusterMaster) => {
    m.child = spawn(
      'redis-server',
      [
        '--port', String(m.port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(m.busPort),
        '--cluster-config-file', join(dir, `nodes-${m.port}.conf`), '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2000),
        '--save', '', '--appendonly', 'no', '--dir', dir,
      ],
      { stdio: 'ignore' },
    );
    await until(`redis cluster node on ${m.port}`, async () => (await cli(m.port, 'ping').catch(() => '')).trim() === 'PONG');
  };
  /** SIGKILL: no shutdown, its memory is gone; clients see the connection drop. */
  const kill = async (m: ClusterMaster) => {
    const c = m.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await gone;
  };
  /** Every node answers cluster_state:ok (all slots served, every node agreeing). */
  const healthy = (ms = 30_000) =>
    until('cluster_state:ok on every node', async () => (await Promise.all(masters.map((m) => cli(m.port, 'cluster', 'info').catch(() => '')))).every((info) => info.includes('cluster_state:ok')), ms);

  const stopAll = async () => {
    await Promise.all(masters.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(masters.map(start));
    await run('redis-cli', ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await healthy();
  } catch (err) {
    await stopAll();
    throw err;
  }

  /** The master serving a key's slot (for a hash-tag prefix: the whole deployment's). */
  const masterOf = async (key: string): Promise<ClusterMaster> => {
    const slot = Number((await cli(masters[0]!.port, 'cluster', 'keyslot', key)).trim());
    const nodes = await cli(masters[0]!.port, 'cluster', 'nodes');
    for (const line of nodes.trim().split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags!.includes('master')) continue;
      const port = Number(/:(\d+)@/.exec(address!)![1]);
      const serves = ranges.some((r) => {
        const [from, to] = r.split('-').map(Number);
        return slot >= from! && slot <= (to ?? from!);
      });
      if (serves) return masters.find((m) => m.port === port)!;
    }
    throw new Error(`no master serves slot ${slot} of ${key}`);
  };

  return {
    dir,
    masters,
    /** REDIS_CLUSTER_NODES for the service. */
    nodes: masters.map((m) => `127.0.0.1:${m.port}`).join(','),
    start,
    kill,
    healthy,
    masterOf,
    /** Kills every node and removes the directory; safe to call twice. */
    stop: stopAll,
    /** Keys under a prefix on every master (each holds only its own slots'). */
    keys: async (pattern: string) => (await Promise.all(masters.map((m) => cli(m.port, '--scan', '--pattern', pattern)))).flatMap((out) => out.split('\n').filter(Boolean)),
  };
}
