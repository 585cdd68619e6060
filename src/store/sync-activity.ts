// Sync activity (the store side; the admin API reads it): one row per attempt of the engine (what crossed, which way, how it ended), read by the
// admin API and pruned by the reconciler's pass. Recording never fails a sync: the attempt itself is
// already on the link; the activity row is its history.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';

export type ActivityDirection = 'out' | 'in' | 'both' | 'none';

export type ActivityRecord = {
  defectId: string;
  connection: string;
  pushed: readonly string[];
  pulled: readonly string[];
  outcome: string;
  conflicts?: readonly string[];
  error?: string | null;
};

/** How long activity is kept: enough to look back over a month's incidents, small enough to stay cheap. */
export const ACTIVITY_RETENTION_DAYS = 30;

export function directionOf(pushed: readonly string[], pulled: readonly string[]): ActivityDirection {
  if (pushed.length && pulled.length) return 'both';
  if (pushed.length) return 'out';
  if (pulled.length) return 'in';
  return 'none';
}

export async function recordActivity(prisma: PrismaClient, log: Logger, a: ActivityRecord): Promise<void> {
  try {
    await prisma.syncActivity.create({
      data: {
        defectId: a.defectId,
        connection: a.connection,
        direction: directionOf(a.pushed, a.pulled),
        pushed: [...a.pushed],
        pulled: [...a.pulled],
        outcome: a.outcome,
        conflicts: [...(a.conflicts ?? [])],
        error: a.error?.slice(0, 2000) ?? null,
      },
    });
  } catch (err) {
    log.warn({ err, connection: a.connection, defectId: a.defectId }, 'could not record sync activity');
  }
}

/** Deletes activity older than the retention, in batches so one pass never holds a long lock. */
export async function pruneActivity(prisma: PrismaClient, days = ACTIVITY_RETENTION_DAYS, batch = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await prisma.$executeRaw`
      DELETE FROM "SyncActivity" WHERE id IN (
        SELECT id FROM "SyncActivity" WHERE at < now() - make_interval(days => ${days}::int) LIMIT ${batch})`;
    total += n;
    if (n < batch) return total;
  }
}
