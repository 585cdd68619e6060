// Readiness: can this process do its work right now? Each dependency is asked one cheap question with
// a short timeout, so a load balancer's probe gets an answer in about a second even when one hangs.
import type { RedisClient } from '../redis.ts';
import type { PrismaClient } from '../db.ts';
import { withTimeout } from '../metrics.ts';

export type Check = () => Promise<void>;
export type CheckResult = { ok: boolean; ms: number; error?: string };
export type Readiness = { ready: boolean; checks: Record<string, CheckResult> };

export const CHECK_TIMEOUT_MS = 1000;

export function databaseCheck(prisma: PrismaClient): Check {
  return async () => {
    await prisma.$queryRaw`SELECT 1`;
  };
}

/**
 * PING on the process's producer connection (never a worker's blocking one, which waits on a queue).
 * ioredis reports a refused connection as an 'error' event and keeps the command waiting for a
 * reconnect, so the check answers with the last connection error when the ping does not come back.
 */
export function redisCheck(redis: RedisClient): Check {
  let lastError: string | undefined;
  redis.on('error', (err: Error) => (lastError = err.message));
  redis.on('ready', () => (lastError = undefined));
  return async () => {
    try {
      await withTimeout(redis.ping(), 'redis PING', CHECK_TIMEOUT_MS);
    } catch (err) {
      throw new Error(lastError ?? (err as Error).message);
    }
  };
}

/** Runs every check at once; each gets CHECK_TIMEOUT_MS. Error messages are scrubbed of credentials. */
export async function runChecks(checks: Readonly<Record<string, Check>>): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      try {
        await withTimeout(check(), name, CHECK_TIMEOUT_MS);
        return [name, { ok: true, ms: ms() }];
      } catch (err) {
        return [name, { ok: false, ms: ms(), error: scrubCredentials(summary(err)) }];
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/** One line: Prisma wraps the driver's message in a multi-line "Invalid `prisma.$queryRaw()` invocation" text. */
function summary(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const inner = /Message: `([^`]*)`/.exec(message)?.[1];
  return inner ?? message.trim().split('\n').at(-1) ?? message;
}

/** Drivers sometimes quote the connection URL in their errors: user and password never leave the process. */
export function scrubCredentials(message: string): string {
  return message.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@').slice(0, 500);
}
