// The sync's safety net. The outbox guarantees every committed change reaches the queue, and BullMQ
// re-runs a job whose worker died (stalled-job recovery). What can still slip: a link left 'pending'
// or 'retrying' by a job that ran out of chances to finish, and a change whose job vanished with
// Redis' memory. At start and then periodically, every link out of step gets a fresh job
// (deduplicated with any job already waiting for the defect).
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import { syncJobOptions, type SyncJobData } from '../outbox/queues.ts';

/**
 * Links untouched for this long while unfinished are considered interrupted by the periodic pass
 * (the pass at start uses 0: whatever was in flight then belonged to a process that is gone, or to a
 * live one, in which case the extra job finds nothing to do).
 */
const STALE_MS = 30_000;
const BATCH = 1000;

export async function reconcile(
  prisma: PrismaClient,
  queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>,
  opts: { staleMs?: number } = {},
): Promise<number> {
  const trackers = [...queues.keys()];
  if (trackers.length === 0) return 0;
  const before = new Date(Date.now() - (opts.staleMs ?? STALE_MS));
  // Unfinished links, and synced links whose defect changed after their last sync (a job lost with
  // Redis, say): both are out of step until someone syncs them.
  const links = await prisma.$queryRaw<{ defectId: string; tracker: TrackerKind }[]>`
    SELECT l."defectId"::text AS "defectId", l.tracker::text AS tracker
    FROM "TrackerLink" l JOIN "Defect" d ON d.id = l."defectId"
    WHERE l.tracker::text = ANY(${trackers}::text[])
      AND l."updatedAt" < ${before}
      AND (l."syncState" IN ('pending', 'retrying')
           OR (l."syncState" = 'synced' AND d."updatedAt" > l."lastSyncedAt" AND d."updatedAt" < ${before}))
    LIMIT ${BATCH}`;
  const stamp = Date.now();
  for (const link of links) {
    const data: SyncJobData = { outboxId: 'reconcile', defectId: link.defectId, kind: 'defect.updated', version: 0, fields: [] };
    await queues.get(link.tracker)!.add('reconcile', data, syncJobOptions(`reconcile-${stamp}-${link.defectId}`, link.defectId, 0));
  }
  return links.length;
}

export function startReconciler(
  prisma: PrismaClient,
  queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>,
  everyMs: number,
  log: Logger,
): () => void {
  const run = (staleMs?: number) =>
    reconcile(prisma, queues, staleMs === undefined ? {} : { staleMs })
      .then((n) => n && log.info({ links: n }, 'reconcile: requeued interrupted syncs'))
      .catch((err: unknown) => log.warn({ err }, 'reconcile failed; next pass retries'));
  void run(0);
  const timer = setInterval(() => void run(), everyMs);
  return () => clearInterval(timer);
}
