// The one place Redis connections are made. A single node (REDIS_URL) gives an ioredis `Redis`; with
// REDIS_CLUSTER_NODES an `ioredis.Cluster`, which follows MOVED and ASK redirections and routes each
// key to the master of its slot (a single-node client sent to a cluster fails on most keys). Each role
// gets the options it needs; the callers never pick retry settings of their own.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export type ClusterNode = { host: string; port: number };

/** Where Redis is: REDIS_URL, and REDIS_CLUSTER_NODES when it is a cluster. */
export type RedisTarget = { redisUrl: string; redisClusterNodes?: readonly ClusterNode[] | undefined };

/**
 * - producer: queue producers, dashboard sessions, webhook counts, readiness and the queue gauges. A
 *   command fails after one reconnect attempt instead of waiting for Redis: an API request must answer
 *   (the outbox, the inbox and the reconciler queue again what could not be queued).
 * - worker: BullMQ workers, which must wait out an outage (BullMQ refuses a worker connection whose
 *   commands give up: maxRetriesPerRequest must be null). Each Worker adds its own blocking connection.
 * - tool: one-off work (clearing a throwaway prefix); ioredis' defaults.
 */
export type RedisRole = 'producer' | 'worker' | 'tool';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  producer: { maxRetriesPerRequest: 1, connectTimeout: 1000 },
  worker: { maxRetriesPerRequest: null },
  tool: {},
};

/**
 * On a cluster BullMQ runs each operation as one Lua script over many keys of a queue, and Redis runs a
 * script only when all its keys hash to one slot. Only the part of a key inside its first {braces} is
 * hashed, so a prefix that is one whole hash tag puts every queue of the deployment in one slot.
 */
export const HASH_TAG = /^\{[^{}]+\}$/;

export function redisFrom(target: RedisTarget, role: RedisRole): RedisClient {
  const options = ROLE_OPTIONS[role];
  const nodes = target.redisClusterNodes;
  if (!nodes?.length) return new Redis(target.redisUrl, options);
  return new Cluster(
    nodes.map((n) => ({ ...n })),
    {
      // REDIS_URL's user, password and rediss:// scheme hold for every node of the cluster.
      redisOptions: { ...options, ...credentialsOf(target.redisUrl) },
      // A master that restarts on its address with its slots (a crash, a restart) is reconnected to, instead
      // of waiting for a MOVED that never comes because no slot moved.
      clusterNodeRetryStrategy: (times: number) => Math.min(times * 100, 2000),
      // A command caught in a failover or a CLUSTERDOWN is retried after this long, up to maxRedirections.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      // No CLUSTER INFO check before 'ready'. When that check finds the cluster down (a master lost),
      // ioredis reconnects on its own but never settles the promise connect() returned, and a BullMQ
      // worker resetting its blocking connection awaits exactly that promise: the worker then takes no
      // job again, for good (seen here with a master SIGKILLed and restarted). Without the check, a
      // command meeting CLUSTERDOWN is retried (retryDelayOnClusterDown, up to maxRedirections) and then fails.
      enableReadyCheck: false,
    } satisfies ClusterOptions,
  );
}

function credentialsOf(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(url.protocol === 'rediss:' && { tls: {} }),
  };
}

export function isRedisClient(c: unknown): c is RedisClient {
  return c instanceof Redis || c instanceof Cluster;
}

/** Each master once (a cluster's keys are spread over them); a single node is its own master. */
export function mastersOf(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Where a log line may say Redis is: the URL without its password, or the cluster's nodes. */
export function describeTarget(target: RedisTarget, safeUrl: (url: string) => string): string {
  return target.redisClusterNodes?.length ? `cluster ${target.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}` : safeUrl(target.redisUrl);
}
