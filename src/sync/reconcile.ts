// The sync's safety net. The outbox guarantees every committed change reaches the queue, and BullMQ
// re-runs a job whose worker died (stalled-job recovery). What can still slip: a link left 'pending'
// or 'retrying' by a job that ran out of chances to finish, a link whose job gave up during an outage
// longer than its backoff (retried here on a slower schedule until the tracker is back), and a change
// whose job vanished with Redis' memory. At start and then periodically, every link out of step gets a fresh job
// (deduplicated with any job already waiting for the defect).
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import { syncJobOptions, type SyncJobData } from '../outbox/queues.ts';
import { lostSyncs } from './lost-jobs.ts';

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
  const staleSeconds = (opts.staleMs ?? STALE_MS) / 1000;
  // Times are compared with the database's clock, and "changed since the last sync" is a version
  // comparison: the API host's and the worker's clocks never meet here.
  //  * unfinished links (pending, retrying) nobody touched for a while;
  //  * links whose jobs ran out of attempts on transient errors, once their next attempt is due
  //    (these get a job with a single attempt: each failure moves nextAttemptAt further out);
  //  * synced links whose defect moved past the version they synced (a job lost with Redis, say).
  //    Links synced before syncedVersion existed fall back to the timestamps once.
  const links = await prisma.$queryRaw<{ defectId: string; tracker: TrackerKind; due: boolean }[]>`
    SELECT l."defectId"::text AS "defectId", l.tracker::text AS tracker, (l."nextAttemptAt" IS NOT NULL) AS due
    FROM "TrackerLink" l JOIN "Defect" d ON d.id = l."defectId"
    WHERE l.tracker::text = ANY(${trackers}::text[])
      AND (l."nextAttemptAt" <= now()
           OR (l."updatedAt" < now() - make_interval(secs => ${staleSeconds}::float8)
               AND (l."syncState" IN ('pending', 'retrying')
                    OR (l."syncState" = 'synced'
                        AND (l."syncedVersion" < d.version
                             OR (l."syncedVersion" IS NULL AND d."updatedAt" > l."lastSyncedAt"))))))
    LIMIT ${BATCH}`;
  // Jobs Redis lost (src/sync/lost-jobs.ts): the same fresh job, deduplicated with any still waiting.
  const seen = new Set(links.map((l) => `${l.defectId}/${l.tracker}`));
  for (const lost of await lostSyncs(prisma, trackers, staleSeconds, BATCH)) {
    if (!seen.has(`${lost.defectId}/${lost.tracker}`)) links.push({ ...lost, due: false });
  }
  const stamp = Date.now();
  for (const link of links) {
    const data: SyncJobData = { outboxId: 'reconcile', defectId: link.defectId, kind: 'defect.updated', version: 0, fields: [] };
    const options = syncJobOptions(`reconcile-${stamp}-${link.defectId}`, link.defectId, 0);
    await queues.get(link.tracker)!.add('reconcile', data, link.due ? { ...options, attempts: 1 } : options);
  }
  // A due link's job records its outcome (a new nextAttemptAt or none); until then it is not due again,
  // unless the job vanishes, in which case a later pass requeues it.
  const due = links.filter((l) => l.due);
  if (due.length) {
    await prisma.$executeRaw`
      UPDATE "TrackerLink" SET "nextAttemptAt" = now() + make_interval(secs => ${Math.max(staleSeconds, 30)}::float8)
      WHERE "nextAttemptAt" <= now() AND ("defectId"::text, tracker::text) IN (SELECT * FROM unnest(${due.map((l) => l.defectId)}::text[], ${due.map((l) => l.tracker)}::text[]))`;
  }
  return links.length;
}

export function startReconciler(
  prisma: PrismaClient,
  queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>,
  everyMs: number,
  log: Logger,
  /** Runs with every pass too (the inbound inbox's sweep for events recorded but never queued). */
  alsoSweep: () => Promise<number> = async () => 0,
): () => void {
  const run = (staleMs?: number) =>
    Promise.all([
      reconcile(prisma, queues, staleMs === undefined ? {} : { staleMs })
        .then((n) => n && log.info({ links: n }, 'reconcile: requeued interrupted syncs'))
        .catch((err: unknown) => log.warn({ err }, 'reconcile failed; next pass retries')),
      alsoSweep()
        .then((n) => n && log.info({ events: n }, 'reconcile: queued inbound events left unqueued'))
        .catch((err: unknown) => log.warn({ err }, 'inbox sweep failed; next pass retries')),
    ]);
  void run(0);
  const timer = setInterval(() => void run(), everyMs);
  return () => clearInterval(timer);
}
