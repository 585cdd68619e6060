// Asking for a sync again, by hand: one defect (optionally one tracker) or every link in given states.
// A link whose ticket went missing is re-checked in the tracker first (LinkStore.relink: it comes back
// to pending and a sync is queued through the outbox); any other link gets a sync job on its tracker's
// queue at once, deduplicated with a job already waiting for the defect (which then does the work).
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import type { SyncState } from '../generated/prisma/client.ts';
import { AppError } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { findDefect } from '../store/find.ts';
import type { LinkStore } from '../store/links.ts';
import { syncJobOptions, type SyncJobData } from '../outbox/queues.ts';

export type Requeued = { defect: string; tracker: TrackerKind; via: 'queue' | 'relink'; jobId?: string };
export type NotRequeued = { defect: string; tracker: TrackerKind; error: string };

/** Links one retry call takes at most; the answer says when more are left. */
export const RETRY_BATCH = 500;

export class Requeue {
  private readonly prisma: PrismaClient;
  private readonly queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>;
  private readonly links: LinkStore;

  constructor(prisma: PrismaClient, queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>, links: LinkStore) {
    this.prisma = prisma;
    this.queues = queues;
    this.links = links;
  }

  /** Every enabled tracker (or the one named): its ticket is brought up to date, or created if there is none. */
  async resync(idOrKey: string, tracker: TrackerKind | undefined, actor: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const trackers = tracker ? [this.enabled(tracker)] : [...this.queues.keys()];
    const states = await this.prisma.trackerLink.findMany({ where: { defectId: defect.id, tracker: { in: trackers } }, select: { tracker: true, syncState: true } });
    const key = formatDefectKey(defect.number);
    return this.requeueAll(trackers.map((t) => ({ defectId: defect.id, key, tracker: t, missing: states.find((s) => s.tracker === t)?.syncState === 'missing' })), actor);
  }

  /** The links in `states` (of one tracker or every enabled one), newest trouble first. */
  async retry(states: readonly SyncState[], tracker: TrackerKind | undefined, actor: string) {
    const trackers = tracker ? [this.enabled(tracker)] : [...this.queues.keys()];
    const rows = await this.prisma.trackerLink.findMany({
      where: { syncState: { in: [...states] }, tracker: { in: trackers } },
      orderBy: { updatedAt: 'desc' },
      take: RETRY_BATCH + 1,
      select: { defectId: true, tracker: true, syncState: true, defect: { select: { number: true } } },
    });
    const page = rows.slice(0, RETRY_BATCH);
    const result = await this.requeueAll(
      page.map((r) => ({ defectId: r.defectId, key: formatDefectKey(r.defect.number), tracker: r.tracker, missing: r.syncState === 'missing' })),
      actor,
    );
    return { ...result, more: rows.length > RETRY_BATCH };
  }

  private async requeueAll(items: { defectId: string; key: string; tracker: TrackerKind; missing: boolean }[], actor: string) {
    const queued: Requeued[] = [];
    const notQueued: NotRequeued[] = [];
    const stamp = Date.now();
    for (const it of items) {
      try {
        if (it.missing) {
          await this.links.relink(it.defectId, it.tracker, actor);
          queued.push({ defect: it.key, tracker: it.tracker, via: 'relink' });
          continue;
        }
        const data: SyncJobData = { outboxId: 'admin', defectId: it.defectId, kind: 'defect.updated', version: 0, fields: [] };
        const job = await this.queues.get(it.tracker)!.add('admin', data, syncJobOptions(`admin-${stamp}-${it.defectId}`, it.defectId, 0));
        queued.push({ defect: it.key, tracker: it.tracker, via: 'queue', ...(job.id && { jobId: job.id }) });
      } catch (err) {
        notQueued.push({ defect: it.key, tracker: it.tracker, error: (err as Error).message });
      }
    }
    return { queued, notQueued };
  }

  private enabled(tracker: TrackerKind): TrackerKind {
    if (this.queues.has(tracker)) return tracker;
    const on = [...this.queues.keys()];
    throw new AppError('validation_failed', `tracker: ${tracker} is not configured (configured: ${on.join(', ') || 'none'})`, {
      fields: [{ field: 'tracker', message: 'is not configured' }],
    });
  }
}
