// A relay in a process of its own, so a test can kill it mid-flight (see DEFECT_SYNC_FAILPOINTS).
// Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, TRACKERS (comma-separated).
import { Redis } from 'ioredis';
import { createPrisma } from '../../src/db.ts';
import { createLogger } from '../../src/logger.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { createQueues, type TrackerKind } from '../../src/outbox/queues.ts';

const env = process.env as Record<string, string>;
const prisma = createPrisma(env.DATABASE_URL!);
const connection = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
const trackers = (env.TRACKERS ?? '').split(',').filter(Boolean) as TrackerKind[];
const queues = createQueues(connection, env.QUEUE_PREFIX!, trackers);
const relay = new OutboxRelay({ prisma, databaseUrl: env.DATABASE_URL!, queues, log: createLogger('warn', 'relay-child'), sweepMs: 200 });
await relay.start();
process.once('SIGTERM', async () => {
  await relay.stop();
  await Promise.all([...queues.values()].map((q) => q.close()));
  connection.disconnect();
  await prisma.$disconnect();
  process.exit(0);
});
