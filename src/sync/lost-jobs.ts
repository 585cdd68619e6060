// Syncs whose jobs vanished with Redis' memory (it keeps nothing on disk by default), found from what
// PostgreSQL knows, so they run without waiting for the next change:
//  * a tracker change: its notice was recorded and queued, but its link has not been written since the
//    notice arrived (a sync that ran would have written it, changed or not);
//  * a defect's first job: a change was published to a connection's queue, but the defect has no link in
//    that connection (the job would have written one before its first call). A defect changed only before
//    the tracker was configured was published to no queue of it and gets no ticket: that is a backfill,
//    a person's decision.
// Both look back as far as the rows are kept (the outbox keeps published rows for a day) and skip the
// last `graceSeconds`, in which the job may simply still be waiting (debounce, backlog).
import type { PrismaClient } from '../db.ts';
import type { ConnectionName } from './connections.ts';

export type LostSync = { defectId: string; connection: ConnectionName };

const LOOKBACK = '24 hours';

export async function lostSyncs(prisma: PrismaClient, connections: readonly ConnectionName[], graceSeconds: number, limit: number): Promise<LostSync[]> {
  const inbound = await prisma.$queryRaw<LostSync[]>`
    SELECT DISTINCT l."defectId"::text AS "defectId", l.connection
    FROM "InboundEvent" e
    JOIN "TrackerLink" l ON l.connection = e.connection AND l."remoteId" = ANY(e."remoteIds")
    WHERE e."queuedAt" IS NOT NULL
      AND e."queuedAt" >= now() - ${LOOKBACK}::interval
      AND e."queuedAt" <= now() - make_interval(secs => ${graceSeconds}::float8)
      AND e.connection = ANY(${connections}::text[])
      AND l."syncState" <> 'missing'
      AND l."updatedAt" < e."receivedAt"
    LIMIT ${limit}`;
  const firstJobs = await prisma.$queryRaw<LostSync[]>`
    SELECT DISTINCT o."defectId"::text AS "defectId", t.connection
    FROM "OutboxEvent" o CROSS JOIN LATERAL unnest(o."publishedTo") AS t(connection)
    WHERE o."publishedAt" >= now() - ${LOOKBACK}::interval
      AND o."publishedAt" <= now() - make_interval(secs => ${graceSeconds}::float8)
      AND t.connection = ANY(${connections}::text[])
      AND NOT EXISTS (SELECT 1 FROM "TrackerLink" l WHERE l."defectId" = o."defectId" AND l.connection = t.connection)
      AND EXISTS (SELECT 1 FROM "Defect" d WHERE d.id = o."defectId")
    LIMIT ${limit}`;
  return [...inbound, ...firstJobs];
}
