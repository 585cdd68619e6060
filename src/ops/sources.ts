// What the on-scrape gauges read: the outbox backlog from Postgres, the job counts from BullMQ.
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import { QUEUE_STATES, type OutboxBacklog, type QueueCounts } from '../metrics.ts';

/** One query: unpublished rows (served by the publishedAt index) and the oldest one's age. */
export function outboxBacklog(prisma: PrismaClient): OutboxBacklog {
  return async () => {
    const [row] = await prisma.$queryRaw<{ unpublished: bigint; oldest_age: number | null }[]>`
      SELECT count(*) AS unpublished, extract(epoch FROM now() - min("createdAt"))::float8 AS oldest_age
      FROM "OutboxEvent" WHERE "publishedAt" IS NULL`;
    return { unpublished: Number(row?.unpublished ?? 0), oldestAgeSeconds: Math.max(0, row?.oldest_age ?? 0) };
  };
}

export function queueCounts(queues: ReadonlyMap<string, Queue>): QueueCounts {
  return async (connection) => {
    const queue = queues.get(connection);
    return queue ? queue.getJobCounts(...QUEUE_STATES) : {};
  };
}
