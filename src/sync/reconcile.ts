// The sync's safety net. The outbox guarantees every committed change reaches the queue, and BullMQ
// re-runs a job whose worker died (stalled-job recovery). What can still slip: a link left 'pending'
// or 'retrying' by a job that ran out of chances to finish, a link whose job gave up during an outage
// longer than its backoff (retried here on a slower schedule until the tracker is back), and a change
// whose job vanished with Redis' memory. At start and then periodically, every link out of step gets a fresh job
// (deduplicated with any job already waiting for the defect).
import type { Queue } from 'bullmq';
import { Prisma, type PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionName } from './connections.ts';
import { COMMENTS_IN_JOB, dedupeKeyOf, syncJobOptions, type SyncJobData } from '../outbox/queues.ts';
import { lostSyncs } from './lost-jobs.ts';

/**
 * Links untouched for this long while unfinished are considered interrupted by the periodic pass
 * (the pass at start uses 0: whatever was in flight then belonged to a process that is gone, or to a
 * live one, in which case the extra job finds nothing to do).
 */
const STALE_MS = 30_000;
/** Jobs one pass queues per kind of trouble, at most. */
const BATCH = 1000;
/**
 * Links one pass compares with their defects (the "in step but behind its defect" check, which no index
 * can answer): the pass reads this many links in key order from where the last pass stopped, so every link
 * is checked once per ⌈links / WINDOW⌉ passes, instead of every link at every pass.
 */
const WINDOW = 10_000;

/** A position in the links' key order (defectId, connection). */
export type LinkKey = { defectId: string; connection: string };
/** Where each scan of the next pass starts; a reconciler keeps one, a pass without one starts at the beginning. */
export type ReconcileCursor = { unfinished: LinkKey | null; behind: LinkKey | null };

type Found = { defectId: string; connection: ConnectionName };

const after = (key: LinkKey | null, l = Prisma.raw('l')) =>
  key ? Prisma.sql`AND (${l}."defectId", ${l}.connection) > (${key.defectId}::uuid, ${key.connection})` : Prisma.empty;

/**
 * The statements of a pass, each answered from an index (review #27: the OR of all three over a join
 * read both tables whole every minute in every worker). Times are the database's; "changed since the
 * last sync" is a version comparison, so the API host's and the worker's clocks never meet here.
 */
export const reconcileSql = {
  /** Links whose jobs ran out of attempts on transient errors, once their next attempt is due (index on nextAttemptAt). */
  due: (connections: readonly string[]) => Prisma.sql`
    SELECT l."defectId"::text AS "defectId", l.connection FROM "TrackerLink" l
    WHERE l."nextAttemptAt" <= now() AND l.connection = ANY(${connections}::text[])
    ORDER BY l."nextAttemptAt" LIMIT ${BATCH}`,
  /** Unfinished links (pending, retrying) nobody touched for a while (index on syncState, updatedAt), in key order from the cursor. */
  unfinished: (connections: readonly string[], staleSeconds: number, from: LinkKey | null) => Prisma.sql`
    SELECT l."defectId"::text AS "defectId", l.connection FROM "TrackerLink" l
    WHERE l."syncState" IN ('pending', 'retrying') AND l."updatedAt" < now() - make_interval(secs => ${staleSeconds}::float8)
      AND l.connection = ANY(${connections}::text[]) ${after(from)}
    ORDER BY l."defectId", l.connection LIMIT ${BATCH}`,
  /** The last link of the next window from the cursor (the unique index on defectId, connection); none: the window reaches the end. */
  windowEnd: (from: LinkKey | null, window: number) => Prisma.sql`
    SELECT l."defectId"::text AS "defectId", l.connection FROM "TrackerLink" l
    WHERE true ${after(from)}
    ORDER BY l."defectId", l.connection OFFSET ${window - 1} LIMIT 1`,
  /**
   * In the window: synced links whose defect moved past the version they synced (a job lost with Redis,
   * say); links synced before syncedVersion existed fall back to the timestamps. The defect is looked up
   * by its key for each link of the window (LIMIT 1 keeps that a lookup, not a join of both tables).
   */
  behind: (connections: readonly string[], staleSeconds: number, from: LinkKey | null, to: LinkKey | null, window: number) => Prisma.sql`
    SELECT l."defectId"::text AS "defectId", l.connection FROM (
      SELECT * FROM "TrackerLink" l WHERE true ${after(from)}
      ${to ? Prisma.sql`AND (l."defectId", l.connection) <= (${to.defectId}::uuid, ${to.connection})` : Prisma.empty}
      ORDER BY l."defectId", l.connection LIMIT ${window}
    ) l
    CROSS JOIN LATERAL (SELECT d.version, d."updatedAt" FROM "Defect" d WHERE d.id = l."defectId" LIMIT 1) d
    WHERE l."syncState" = 'synced' AND l."updatedAt" < now() - make_interval(secs => ${staleSeconds}::float8)
      AND l.connection = ANY(${connections}::text[])
      AND (l."syncedVersion" < d.version OR (l."syncedVersion" IS NULL AND d."updatedAt" > l."lastSyncedAt"))
    ORDER BY l."defectId", l.connection LIMIT ${BATCH}`,
};

/** Every statement a pass runs (with a cursor in mid-table), for EXPLAIN in the scale test. */
export function reconcileQueries(connections: readonly string[], staleSeconds: number, from: LinkKey | null = null): Prisma.Sql[] {
  return [
    reconcileSql.due(connections),
    reconcileSql.unfinished(connections, staleSeconds, from),
    reconcileSql.windowEnd(from, WINDOW),
    reconcileSql.behind(connections, staleSeconds, from, null, WINDOW),
  ];
}

/**
 * One pass: every link out of step gets a fresh job (deduplicated with any job already waiting for the
 * defect). The scans that can find more than one pass queues continue from `cursor` at the next pass, so
 * more than BATCH links in trouble are all healed over a few passes, none starved by the first ones.
 */
export async function reconcile(
  prisma: PrismaClient,
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>,
  opts: { staleMs?: number; cursor?: ReconcileCursor; window?: number } = {},
): Promise<number> {
  const connections = [...queues.keys()];
  if (connections.length === 0) return 0;
  const staleSeconds = (opts.staleMs ?? STALE_MS) / 1000;
  const cursor = opts.cursor ?? { unfinished: null, behind: null };
  const window = opts.window ?? WINDOW;

  const due = await prisma.$queryRaw<Found[]>(reconcileSql.due(connections));
  const unfinished = await prisma.$queryRaw<Found[]>(reconcileSql.unfinished(connections, staleSeconds, cursor.unfinished));
  cursor.unfinished = unfinished.length === BATCH ? unfinished.at(-1)! : null;
  const [end] = await prisma.$queryRaw<LinkKey[]>(reconcileSql.windowEnd(cursor.behind, window));
  const behind = await prisma.$queryRaw<Found[]>(reconcileSql.behind(connections, staleSeconds, cursor.behind, end ?? null, window));
  // A window with more than BATCH links behind continues after the last one queued; one without an end wraps.
  cursor.behind = behind.length === BATCH ? behind.at(-1)! : (end ?? null);
  // Jobs Redis lost (src/sync/lost-jobs.ts): the same fresh job, deduplicated with the others.
  const lost: Found[] = await lostSyncs(prisma, connections, staleSeconds, BATCH);

  const stamp = Date.now();
  const queued = new Set<string>();
  const dueKeys = new Set(due.map((l) => `${l.defectId}/${l.connection}`));
  for (const link of [...due, ...unfinished, ...behind, ...lost]) {
    const key = `${link.defectId}/${link.connection}`;
    if (queued.has(key)) continue;
    queued.add(key);
    const data: SyncJobData = { outboxId: 'reconcile', defectId: link.defectId, kind: 'defect.updated', version: 0, fields: [] };
    const options = syncJobOptions(`reconcile-${stamp}-${link.defectId}`, link.defectId, 0);
    // A due link's job gets a single attempt: each failure moves nextAttemptAt further out.
    await queues.get(link.connection)!.add('reconcile', data, dueKeys.has(key) ? { ...options, attempts: 1 } : options);
  }
  // Comment links left pending (a crash mid-comment) or failed, untouched for a while: a comments job that
  // reads the ticket's comments first (the marker finds a comment a crashed create made).
  for (const c of await staleCommentLinks(prisma, connections, staleSeconds)) {
    const data: SyncJobData = { outboxId: 'reconcile', defectId: c.defectId, kind: 'defect.commented', version: 0, fields: [] };
    await queues.get(c.connection)!.add(COMMENTS_IN_JOB, data, syncJobOptions(`reconcile-${stamp}-${c.defectId}-comments`, dedupeKeyOf(COMMENTS_IN_JOB, c.defectId), 0));
    queued.add(`${c.defectId}/${c.connection}/comments`);
  }
  // A due link's job records its outcome (a new nextAttemptAt or none); until then it is not due again,
  // unless the job vanishes, in which case a later pass requeues it.
  if (due.length) {
    await prisma.$executeRaw`
      UPDATE "TrackerLink" SET "nextAttemptAt" = now() + make_interval(secs => ${Math.max(staleSeconds, 30)}::float8)
      WHERE "nextAttemptAt" <= now() AND ("defectId"::text, connection) IN (SELECT * FROM unnest(${due.map((l) => l.defectId)}::text[], ${due.map((l) => l.connection)}::text[]))`;
  }
  return queued.size;
}

export function startReconciler(
  prisma: PrismaClient,
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>,
  everyMs: number,
  log: Logger,
  /** Runs with every pass too (the inbound inbox's sweep for events recorded but never queued). */
  alsoSweep: () => Promise<number> = async () => 0,
): () => void {
  // One cursor for the reconciler's life: each pass goes on where the last one stopped.
  const cursor: ReconcileCursor = { unfinished: null, behind: null };
  let running = false;
  const run = async (staleMs?: number) => {
    if (running) return; // a slow pass is not overtaken by the next (they would share the cursor)
    running = true;
    await Promise.all([
      reconcile(prisma, queues, staleMs === undefined ? { cursor } : { staleMs, cursor })
        .then((n) => n && log.info({ links: n }, 'reconcile: requeued interrupted syncs'))
        .catch((err: unknown) => log.warn({ err }, 'reconcile failed; next pass retries')),
      alsoSweep()
        .then((n) => n && log.info({ events: n }, 'reconcile: queued inbound events left unqueued'))
        .catch((err: unknown) => log.warn({ err }, 'inbox sweep failed; next pass retries')),
    ]).finally(() => (running = false));
  };
  void run(0);
  const timer = setInterval(() => void run(), everyMs);
  return () => clearInterval(timer);
}


/**
 * A comment link that failed this often is left to a person (its lastError says why): a comment the
 * tracker keeps refusing would otherwise cost a rate-limited call every pass, for good.
 */
export const COMMENT_ATTEMPTS_CAP = 10;

/**
 * Defects whose comment links on a configured connection are pending or failed and untouched for
 * staleSeconds, doubled for every attempt already made (1, 2, 4… times), below COMMENT_ATTEMPTS_CAP.
 */
export function staleCommentLinks(prisma: PrismaClient, connections: readonly ConnectionName[], staleSeconds: number): Promise<{ defectId: string; connection: ConnectionName }[]> {
  return prisma.$queryRaw`
    SELECT DISTINCT c."defectId"::text AS "defectId", l.connection
    FROM "CommentLink" l JOIN "Comment" c ON c.id = l."commentId"
    WHERE l.state IN ('pending', 'failed') AND l.connection = ANY(${connections}::text[])
      AND l.attempts < ${COMMENT_ATTEMPTS_CAP}
      AND l."updatedAt" < now() - make_interval(secs => ${staleSeconds}::float8 * power(2, l.attempts))
    LIMIT ${BATCH}`;
}
