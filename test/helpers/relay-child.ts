// A relay in a process of its own, so a test can kill it mid-flight (see DEFECT_SYNC_FAILPOINTS).
// Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, CONNECTIONS (comma-separated).
import { createPrisma } from '../../src/db.ts';
import { createLogger } from '../../src/logger.ts';
import { startRelay } from '../../src/outbox/start-relay.ts';
import { wireRedis } from '../../src/outbox/wiring.ts';

const env = process.env as Record<string, string>;
const prisma = createPrisma(env.DATABASE_URL!);
const log = createLogger('warn', 'relay-child');
const redis = wireRedis({ redisUrl: env.REDIS_URL!, queuePrefix: env.QUEUE_PREFIX!, connections: (env.CONNECTIONS ?? '').split(',').filter(Boolean), log });
const stop = await startRelay({ prisma, databaseUrl: env.DATABASE_URL!, queues: redis.queues, sweepMs: 200, debounceMs: 0, log, deployment: env.QUEUE_PREFIX! });
process.once('SIGTERM', async () => {
  await stop();
  await redis.close();
  await prisma.$disconnect();
  process.exit(0);
});
