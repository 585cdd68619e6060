// The sync's safety net. The outbox guarantees every committed change reaches the queue, but a job
// can still be cut short: a worker killed mid-create leaves a link without a remote id, and a
// job whose retries were interrupted leaves a link 'pending' or 'retrying'. At start and then
// periodically, every such link gets a fresh job (deduplicated with any job already waiting).
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
  const before = new Date(Date.now() - (opts.staleMs ?? STALE_MS));
  const links = await prisma.trackerLink.findMany({
    where: {
      tracker: { in: [...queues.keys()] },
      updatedAt: { lt: before },
      syncState: { in: ['pending', 'retrying'] },
    },
    select: { defectId: true, tracker: true },
    take: BATCH,
  });
  const stamp = Date.now();
  for (const link of links) {
    const queue = queues.get(link.tracker)!;
    await queue.add('reconcile', { outboxId: 'reconcile', defectId: link.defectId, kind: 'defect.updated', version: 0, fields: [] }, syncJobOptions(`reconcile-${stamp}-${link.defectId}`, link.defectId, 0));
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
