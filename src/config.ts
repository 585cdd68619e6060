// Configuration comes from the environment only, validated once at start so a bad value stops the
// process with one clear line per problem instead of failing later at first use.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { GithubSettings } from '../connectors/github/connector.ts';
import { isHostName } from './http/hosts.ts';
import type { HookSettings } from './hooks/policy.ts';
import { HASH_TAG, type ClusterNode } from './redis.ts';

const DEFAULT_DEBOUNCE_MAX_MS = 10_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default('postgresql://postgres@127.0.0.1:5432/defect_sync'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /**
   * A Redis Cluster instead of one node: some of its nodes as host:port, comma-separated (the rest are
   * found from them). REDIS_URL then gives only the user, password and rediss:// for every node.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((s) => s.split(',').map((n) => n.trim()).filter((n) => n !== ''))
    .superRefine((nodes, ctx) => {
      const bad = nodes.filter((n) => clusterNode(n) === undefined);
      if (bad.length) ctx.addIssue({ code: 'custom', message: `each entry must be host:port (not ${bad.map((b) => JSON.stringify(b)).join(', ')})` });
    })
    .transform((nodes) => nodes.map((n) => clusterNode(n)!))
    .optional(),
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65535).default(3000),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Bearer tokens for /api, comma-separated so a new one can be added before the old one is retired. */
  API_TOKEN: tokenList().optional(),
  /** Bearer tokens for /metrics (the scraper's); unset: loopback clients only. Kept apart from ADMIN_TOKEN. */
  METRICS_TOKEN: tokenList().optional(),
  /** The worker role serves no API: with this set it serves /healthz, /readyz and /metrics on this port. */
  METRICS_PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65535).optional(),
  QUEUE_PREFIX: z
    .string()
    // A Redis Cluster needs every key of a queue in one slot: wrap the prefix in a hash tag, {defect-sync}.
    .regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'may hold only letters, digits, "-" and "_", optionally all in one {hash tag}')
    .default('defect-sync'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** How often the relay sweeps for outbox rows it was not notified about (the safety net). */
  OUTBOX_SWEEP_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .default(5000),
  /** Base URL of this service as people reach it: tickets link back to the defect there. */
  PUBLIC_URL: z.url({ error: 'must be a URL' }).optional(),
  /**
   * More host names this service answers to while loopback is the credential (API_TOKEN or METRICS_TOKEN
   * unset), besides localhost, 127.x, [::1] and PUBLIC_URL's host: comma-separated names or addresses,
   * without scheme or port. The admin Origin check accepts them too.
   */
  ALLOWED_HOSTS: z
    .string()
    .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''))
    .superRefine((hosts, ctx) => {
      const bad = hosts.filter((h) => !isHostName(h));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `each entry must be a host name or address without scheme, port or path (not ${bad.map((b) => JSON.stringify(b)).join(', ')})` });
    })
    .optional(),
  /** Path of the JSON or YAML mapping file (see src/sync/sync-config.ts). */
  SYNC_CONFIG: z.string().optional(),
  /** Edits of one defect within this window become one tracker update. */
  SYNC_DEBOUNCE_MS: ms(0).default(1000),
  /**
   * The longest a change waits while more changes of the same defect keep coming (each restarts the
   * debounce): at least SYNC_DEBOUNCE_MS; default 10 s (or SYNC_DEBOUNCE_MS if that is longer).
   */
  SYNC_DEBOUNCE_MAX_MS: ms(0).optional(),
  /** Jobs each tracker's worker runs at once. */
  SYNC_CONCURRENCY: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(100).default(5),
  /**
   * Database connections one worker process keeps for sync locks (each held across a job's tracker calls).
   * Jobs beyond it wait for one: with many connections, concurrency × connections would exhaust Postgres.
   */
  SYNC_LOCK_CONNECTIONS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(500).default(20),
  /** Sync jobs per second per connection, shared by all workers: keeps us under the trackers' own limits. */
  SYNC_JOBS_PER_SECOND: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(10_000).default(10),
  /** Per-request timeout for tracker APIs. */
  SYNC_TIMEOUT_MS: ms(100).default(15_000),
  /** How often the worker looks for defects and links whose sync was interrupted (and at start). */
  SYNC_RECONCILE_MS: ms(1000).default(60_000),
  /** How often each tracker is asked for tickets changed since its cursor (what webhooks missed); 0: never. */
  SYNC_POLL_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .refine((v) => v === 0 || v >= 1000, 'must be 0 (off) or at least 1000')
    .default(300_000),
  /**
   * Days an inbound notice's row is kept after it was handled: repeats (same delivery id or signed body)
   * are recognised for that long. GitHub lets a delivery be redelivered for 3 days (7 on Enterprise Server),
   * Asana retries for 24 h, so the default covers every tracker's own redeliveries.
   */
  INBOUND_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(3650, 'must be at most 3650')
    .default(7),
  /** Outgoing webhooks may reach loopback and private addresses (tests, on-premise receivers); off by default (SSRF). */
  HOOKS_ALLOW_PRIVATE: z.enum(['true', 'false'], 'must be true or false').default('false'),
  /** The first retry of a failed hook delivery waits this long; later ones grow (see src/hooks/policy.ts). */
  HOOKS_RETRY_BASE_MS: ms(100).default(5000),
  /** A delivery is retried for this long; a hook failing for this long is disabled. */
  HOOKS_FAILURE_WINDOW_MS: ms(1000).default(24 * 3600_000),
  /** Webhook secrets, comma-separated (any listed one verifies, so secrets rotate); unset: no webhook route. */
  GITHUB_WEBHOOK_SECRET: secretList(),
  JIRA_WEBHOOK_SECRET: secretList(),

  GITHUB_TOKEN: z.string().optional(),
  GITHUB_REPOSITORY: repositoryName().optional(),
  GITHUB_API_URL: httpUrl().default('https://api.github.com'),

  JIRA_BASE_URL: httpUrl().optional(),
  JIRA_EMAIL: z.email({ error: 'must be an email address' }).optional(),
  JIRA_API_TOKEN: z.string().optional(),
  JIRA_PROJECT_KEY: jiraProjectKey().optional(),
  JIRA_ISSUE_TYPE: z.string().default('Bug'),
  /** How long Jira's search may take to show a new issue; a create whose outcome is unknown waits this out before creating again. */
  JIRA_SEARCH_LAG_MS: ms(0).default(60_000),

  ASANA_TOKEN: z.string().optional(),
  ASANA_WORKSPACE_GID: asanaGid().optional(),
  ASANA_PROJECT_GID: asanaGid().optional(),
  ASANA_API_URL: httpUrl().default('https://app.asana.com/api/1.0'),
});

/** Every variable this service reads (the tracker and connection settings included). */
export const KNOWN_ENV_VARS: readonly string[] = Object.keys(EnvSchema.shape);

function tokenList() {
  return z
    .string()
    .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t !== ''))
    .refine((ts) => ts.every((t) => t.length >= 16), 'each comma-separated token must be at least 16 characters');
}

/** host:port, the host a name or an address ([brackets] around IPv6), the port 1-65535. */
function clusterNode(entry: string): ClusterNode | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function ms(min: number) {
  return z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`);
}

/** Comma-separated in a variable; in SYNC_CONFIG also a YAML list. Any listed secret verifies (rotation). */
export function secretList() {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every((s) => s.length >= 16), 'each secret must be at least 16 characters')
    .optional();
}

// The rules a tracker setting follows, whether it comes from the environment or a SYNC_CONFIG connection.
export function repositoryName() {
  return z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');
}

export function jiraProjectKey() {
  return z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key such as QA');
}

export function asanaGid() {
  return z.string().regex(/^\d+$/, 'must be a numeric gid');
}

export function httpUrl() {
  return z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, ''));
}

/** A tracker is on when all its required variables are set; some but not all is a mistake worth stopping for. */
const TRACKER_VARS = {
  github: ['GITHUB_TOKEN', 'GITHUB_REPOSITORY'],
  jira: ['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_PROJECT_KEY'],
  asana: ['ASANA_TOKEN', 'ASANA_WORKSPACE_GID', 'ASANA_PROJECT_GID'],
} as const;

export type TrackerSettings = {
  /** The env path sets `token`; a SYNC_CONFIG connection may set `app` (a GitHub App installation) instead. */
  github?: GithubSettings;
  jira?: { baseUrl: string; email: string; apiToken: string; projectKey: string; issueType: string; searchLagMs: number };
  asana?: { token: string; workspaceGid: string; projectGid: string; apiUrl: string };
};

export type Config = {
  databaseUrl: string;
  redisUrl: string;
  /** REDIS_CLUSTER_NODES: set, every connection is an ioredis Cluster seeded with these. */
  redisClusterNodes: ClusterNode[] | undefined;
  port: number;
  adminToken: string | undefined;
  /** Empty: /api answers loopback clients only. */
  apiTokens: string[];
  /** Empty: /metrics answers loopback clients only. */
  metricsTokens: string[];
  /** METRICS_PORT: the worker role's operations port (/healthz, /readyz, /metrics); unset: none. */
  metricsPort: number | undefined;
  queuePrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
  outboxSweepMs: number;
  publicUrl: string;
  /** PUBLIC_URL was set: trackers can reach this service (webhook registration needs that). */
  publicUrlSet: boolean;
  /** ALLOWED_HOSTS, lower case: host names answered besides loopback ones and PUBLIC_URL's. */
  allowedHosts: string[];
  syncConfigPath: string | undefined;
  sync: { debounceMs: number; debounceMaxMs: number; concurrency: number; lockConnections: number; jobsPerSecond: number; timeoutMs: number; reconcileMs: number; pollMs: number };
  /** Webhook secrets per tracker (GitHub, Jira; Asana's come from its handshake). */
  webhookSecrets: { github: string[]; jira: string[] };
  /** INBOUND_RETENTION_DAYS: handled InboundEvent rows older than this are pruned (and repeats no longer recognised). */
  inboundRetentionDays: number;
  /** Outgoing webhooks (src/hooks). */
  hooks: HookSettings;
  trackers: TrackerSettings;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Empty strings count as unset, as in most .env tooling. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const partial = Object.entries(TRACKER_VARS).flatMap(([tracker, vars]) => {
    const missing = vars.filter((v) => e[v] === undefined);
    return missing.length > 0 && missing.length < vars.length
      ? [`${missing[0]}: is required when ${vars.filter((v) => e[v] !== undefined).join(', ')} ${vars.length - missing.length > 1 ? 'are' : 'is'} set (${tracker} connector)`]
      : [];
  });
  if (e.SYNC_DEBOUNCE_MAX_MS !== undefined && e.SYNC_DEBOUNCE_MAX_MS < e.SYNC_DEBOUNCE_MS) {
    partial.push(`SYNC_DEBOUNCE_MAX_MS: must be at least SYNC_DEBOUNCE_MS (${e.SYNC_DEBOUNCE_MS})`);
  }
  if (e.REDIS_CLUSTER_NODES?.length && !HASH_TAG.test(e.QUEUE_PREFIX)) {
    partial.push(
      `QUEUE_PREFIX: must be one hash tag such as {${e.QUEUE_PREFIX.replace(/[{}]/g, '') || 'defect-sync'}} while REDIS_CLUSTER_NODES is set (not ${JSON.stringify(e.QUEUE_PREFIX)}): ` +
        'a Redis Cluster runs a queue\'s scripts only when all their keys are in one slot, and only the part in {braces} picks the slot',
    );
  }
  if (partial.length) throw new ConfigError(partial);
  const on = (tracker: keyof typeof TRACKER_VARS) => TRACKER_VARS[tracker].every((v) => e[v] !== undefined);
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.length ? e.REDIS_CLUSTER_NODES : undefined,
    port: e.PORT,
    adminToken: e.ADMIN_TOKEN,
    apiTokens: e.API_TOKEN ?? [],
    metricsTokens: e.METRICS_TOKEN ?? [],
    metricsPort: e.METRICS_PORT,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    outboxSweepMs: e.OUTBOX_SWEEP_MS,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    publicUrlSet: e.PUBLIC_URL !== undefined,
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    syncConfigPath: e.SYNC_CONFIG,
    sync: {
      debounceMs: e.SYNC_DEBOUNCE_MS,
      debounceMaxMs: e.SYNC_DEBOUNCE_MAX_MS ?? Math.max(DEFAULT_DEBOUNCE_MAX_MS, e.SYNC_DEBOUNCE_MS),
      concurrency: e.SYNC_CONCURRENCY,
      lockConnections: e.SYNC_LOCK_CONNECTIONS,
      jobsPerSecond: e.SYNC_JOBS_PER_SECOND,
      timeoutMs: e.SYNC_TIMEOUT_MS,
      reconcileMs: e.SYNC_RECONCILE_MS,
      pollMs: e.SYNC_POLL_MS,
    },
    webhookSecrets: { github: e.GITHUB_WEBHOOK_SECRET ?? [], jira: e.JIRA_WEBHOOK_SECRET ?? [] },
    inboundRetentionDays: e.INBOUND_RETENTION_DAYS,
    hooks: { allowPrivate: e.HOOKS_ALLOW_PRIVATE === 'true', retryBaseMs: e.HOOKS_RETRY_BASE_MS, failureWindowMs: e.HOOKS_FAILURE_WINDOW_MS },
    trackers: {
      ...(on('github') && { github: { token: e.GITHUB_TOKEN!, repository: e.GITHUB_REPOSITORY!, apiUrl: e.GITHUB_API_URL } }),
      ...(on('jira') && {
        jira: {
          baseUrl: e.JIRA_BASE_URL!,
          email: e.JIRA_EMAIL!,
          apiToken: e.JIRA_API_TOKEN!,
          projectKey: e.JIRA_PROJECT_KEY!,
          issueType: e.JIRA_ISSUE_TYPE,
          searchLagMs: e.JIRA_SEARCH_LAG_MS,
        },
      }),
      ...(on('asana') && {
        asana: { token: e.ASANA_TOKEN!, workspaceGid: e.ASANA_WORKSPACE_GID!, projectGid: e.ASANA_PROJECT_GID!, apiUrl: e.ASANA_API_URL },
      }),
    },
  };
}

/**
 * `.env` in the working directory, as .env.example suggests. Variables already in the environment win:
 * loadEnvFile never overrides one that is set (even to an empty string).
 */
export function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}
