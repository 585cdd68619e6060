// Configuration comes from the environment only, validated once at start so a bad value stops the
// process with one clear line per problem instead of failing later at first use.
import { z } from 'zod';

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
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(0).max(65535).default(3000),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "-" and "_"')
    .default('defect-sync'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** How often the relay sweeps for outbox rows it was not notified about (the safety net). */
  OUTBOX_SWEEP_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .default(5000),
});

export type Config = {
  databaseUrl: string;
  redisUrl: string;
  port: number;
  adminToken: string | undefined;
  queuePrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
  outboxSweepMs: number;
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
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    adminToken: e.ADMIN_TOKEN,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    outboxSweepMs: e.OUTBOX_SWEEP_MS,
  };
}
