// The inbound inbox. A webhook delivery (or a polled change) is first recorded, one row per notice and
// unique per connection and delivery id, and per connection and content key (a digest of the signed body: the
// delivery id is not signed, so a replay under a fresh id is the same body), so a repeated delivery is
// recognised and has one effect, for as long as its row is kept (INBOUND_RETENTION_DAYS). Then each
// linked defect gets a sync job on that connection's queue (deduplicated per defect with any job already
// waiting) and the row is stamped queued. The sync job reads the ticket as it is now and merges both
// ways, so the notice itself carries no field values. A row left unqueued (Redis down at that moment,
// a crash) is queued by the sweep, so nothing recorded is lost.
//
// A webhook is answered once its row is recorded (that is what makes it durable); its jobs are queued
// behind the answer by `queueSoon`, many deliveries' rows in one pass: one script call and one addBulk
// per connection, and one stamping statement for the passes of up to 200 ms, where queueing each delivery
// before its answer cost two Redis round trips and two more statements per delivery (bench:webhooks).
import type { Queue } from 'bullmq';
import { queryRows, type PrismaClient } from '../db.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { WebhookNotice } from '../../connectors/webhooks.ts';
import { COMMENTS_IN_JOB, debouncedJobOptions, dedupeKeyOf, type Debounce, type SyncJobData } from '../outbox/queues.ts';

/** Events after which a ticket's comments are read: comment webhooks (GitHub, Jira), Asana story events, polls. */
export function touchesComments(event: string): boolean {
  return event === 'poll' || event.startsWith('issue_comment') || event.startsWith('comment_') || event.startsWith('story.');
}

export type InboundSource = 'webhook' | 'poll';

/** A recorded notice; `defectIds`, when known, are the defects linked to its tickets (recording finds them). */
type Row = { id: bigint; connection: ConnectionName; event: string; remoteIds: string[]; defectIds?: string[] };

/** accepted: new rows to queue; duplicates: seen before; ignored: about no ticket of ours (no row). */
export type RecordResult = { accepted: number; duplicates: number; ignored: number; rows: Row[] };

// The notices that concern a linked ticket are inserted (a repeat by delivery id, or by content: a signed
// body under a fresh id, meets either unique key and is skipped); the new rows come back with the defects
// linked to their tickets, looked up once per notice. $1 connection, $2 the notices as JSON, $3 the source.
const RECORD_SQL = `
  WITH n AS (
    SELECT n."deliveryId", n."contentKey", n.event, r."remoteIds", d."defectIds"
    FROM jsonb_to_recordset($2::jsonb) AS n("deliveryId" text, "contentKey" text, event text, "remoteIds" jsonb)
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(n."remoteIds")) AS "remoteIds") r
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT l."defectId"::text FROM "TrackerLink" l
                                     WHERE l.connection = $1 AND l."remoteId" = ANY(r."remoteIds")) AS "defectIds") d
  ), ins AS (
    INSERT INTO "InboundEvent" (connection, "deliveryId", "contentKey", event, "remoteIds", source)
    SELECT $1, n."deliveryId", n."contentKey", n.event, n."remoteIds", $3::text
    FROM n WHERE cardinality(n."defectIds") > 0
    ON CONFLICT DO NOTHING
    RETURNING id, connection, "deliveryId", event, "remoteIds"
  )
  SELECT (SELECT count(*)::int FROM n WHERE cardinality(n."defectIds") > 0) AS ours,
         (SELECT coalesce(json_agg(json_build_object('id', id::text, 'connection', connection, 'event', event, 'remoteIds', "remoteIds",
                    'defectIds', (SELECT n."defectIds" FROM n WHERE n."deliveryId" = ins."deliveryId" AND n."remoteIds" = ins."remoteIds" LIMIT 1))
                  ORDER BY id), '[]'::json) FROM ins) AS rows`;

const STAMP_QUEUED_SQL = `UPDATE "InboundEvent" SET "queuedAt" = now() WHERE id = ANY($1::bigint[])`;

/** The most rows one queueSoon pass takes (the relay's batch is 200). */
const PASS_ROWS = 500;

/** Rows deleted per statement when pruning (the index on queuedAt finds them). */
const PRUNE_BATCH = 1000;

/** Rows left unqueued this long are taken by the sweep (a live request is still queueing its own). */
const SWEEP_AFTER_MS = 10_000;

/** How long queued rows wait for their stamp, at most, and how many make it go at once: well inside SWEEP_AFTER_MS. */
const STAMP_AFTER_MS = 200;
const STAMP_ROWS = 1000;

export class Inbox {
  private readonly prisma: PrismaClient;
  private readonly queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  private readonly debounce: Debounce;
  private readonly onQueueError: (err: unknown) => void;
  /** Rows recorded and waiting for queueSoon's next pass, and the pass running now. */
  private waiting: Row[] = [];
  private passing: Promise<void> | undefined;
  /** Rows queued by passes and not yet stamped, the timer that stamps them, and the stamping under way. */
  private unstamped: string[] = [];
  private stampTimer: NodeJS.Timeout | undefined;
  private stamping: Promise<void> | undefined;

  constructor(
    prisma: PrismaClient,
    queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>,
    debounce: Debounce,
    /** A queueSoon pass that failed (Redis away): its rows stay unqueued for the sweep. */
    onQueueError: (err: unknown) => void = () => {},
  ) {
    this.prisma = prisma;
    this.queues = queues;
    this.debounce = debounce;
    this.onQueueError = onQueueError;
  }

  /**
   * Records the notices that concern a linked ticket; a notice whose delivery id or content key was seen
   * before is a duplicate and is not recorded again. A notice about no ticket of ours (another repository,
   * a pull request, an unlinked issue, a ping) is ignored and leaves no row: there is nothing to sync, and
   * so nothing to recognise when it comes again. One statement: the rows that come back are the new ones
   * to queue, each with the defects linked to its tickets.
   */
  async record(connection: ConnectionName, notices: readonly WebhookNotice[], source: InboundSource): Promise<RecordResult> {
    if (notices.length === 0) return { accepted: 0, duplicates: 0, ignored: 0, rows: [] };
    const [result] = await queryRows<{ ours: number; rows: (Omit<Row, 'id'> & { id: string })[] }>(
      this.prisma,
      RECORD_SQL,
      [connection, JSON.stringify(notices), source],
      // Parsed once per pool connection, not for every delivery.
      { prepare: true },
    );
    const ours = result?.ours ?? 0;
    const rows = (result?.rows ?? []).map((r) => ({ ...r, id: BigInt(r.id) }));
    return { accepted: rows.length, duplicates: ours - rows.length, ignored: notices.length - ours, rows };
  }

  /**
   * Queues the rows' jobs soon, behind the caller's answer: rows given while a pass runs go together in
   * the next one. A pass that fails is reported and leaves its rows to the sweep. Never rejects.
   */
  queueSoon(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    this.waiting.push(...rows);
    // The pass starts after this tick, so rows given together go together.
    this.passing ??= Promise.resolve().then(() => this.passes());
  }

  /** Waits until every row given to queueSoon so far has had its pass and its stamp (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.passing) await this.passing;
    await this.stampNow();
  }

  private async passes(): Promise<void> {
    try {
      while (this.waiting.length) {
        // At most PASS_ROWS per pass, so one after a Redis stall is not one huge script call and transaction.
        const rows = this.waiting.splice(0, PASS_ROWS);
        await this.dispatch(rows, { stamp: 'soon' }).catch((err: unknown) => this.report(err));
      }
    } finally {
      this.passing = undefined;
    }
  }

  /**
   * Queues a sync job for every defect linked to the rows' tickets (one per defect and job name: the
   * later row's), then stamps the rows queued. Per connection: one script call for the debounce, one
   * addBulk; the links are looked up only for rows that came without them (the sweep's). With `stamp:
   * 'soon'` (queueSoon's passes) the stamp waits up to STAMP_AFTER_MS to go with other passes' rows: one
   * statement for many passes. A stamp lost to a crash only lets the sweep queue those rows again, under
   * the same job ids, which BullMQ ignores while it keeps the jobs.
   */
  async dispatch(rows: readonly Row[], opts: { stamp: 'now' | 'soon' } = { stamp: 'now' }): Promise<number> {
    if (rows.length === 0) return 0;
    let jobs = 0;
    for (const [connection, group] of groupBy(rows, (r) => r.connection)) {
      const queue = this.queues.get(connection);
      if (!queue) continue; // a connection no longer configured: nothing to queue, the rows are done
      const linked = await this.linkedDefects(connection, group);
      // One job per deduplication key (a defect's sync, its comments): the later row's.
      const wanted = new Map<string, { name: string; jobId: string; dedupe: string; data: SyncJobData }>();
      for (const row of group) {
        for (const defectId of linked(row)) {
          const data: SyncJobData = { outboxId: `inbound-${row.id}`, defectId, kind: 'defect.updated', version: 0, fields: [] };
          const jobId = `inbound-${row.id}-${defectId}`;
          wanted.set(defectId, { name: 'inbound', jobId, dedupe: defectId, data });
          // A comment event, or a poll (which cannot tell a comment from another change): the ticket's
          // comments are read too (src/sync/comment-sync.ts).
          if (touchesComments(row.event)) {
            const dedupe = dedupeKeyOf(COMMENTS_IN_JOB, defectId);
            wanted.set(dedupe, { name: COMMENTS_IN_JOB, jobId: `${jobId}-comments`, dedupe, data: { ...data, kind: 'defect.commented' } });
          }
        }
      }
      const list = [...wanted.values()];
      if (list.length === 0) continue; // about tickets no defect is linked to (any more): done too
      const options = await debouncedJobOptions(queue, list.map((j) => ({ jobId: j.jobId, defectId: j.dedupe })), this.debounce);
      await queue.addBulk(list.map((j, i) => ({ name: j.name, data: j.data, opts: options[i]! })));
      jobs += list.length;
    }
    const ids = rows.map((r) => String(r.id));
    if (opts.stamp === 'now') await this.stamp(ids);
    else {
      this.unstamped.push(...ids);
      if (this.unstamped.length >= STAMP_ROWS) void this.stampNow();
      else this.stampTimer ??= setTimeout(() => void this.stampNow(), STAMP_AFTER_MS).unref();
    }
    return jobs;
  }

  /** Stamps the rows passes left unstamped, after any stamping under way; a failure is reported, the sweep covers it. */
  private async stampNow(): Promise<void> {
    clearTimeout(this.stampTimer);
    this.stampTimer = undefined;
    while (this.stamping) await this.stamping;
    const ids = this.unstamped.splice(0);
    if (ids.length === 0) return;
    this.stamping = this.stamp(ids)
      .catch((err: unknown) => this.report(err))
      .finally(() => (this.stamping = undefined));
    await this.stamping;
  }

  /** A failed pass or stamp, told to onQueueError; the sweep covers its rows. Reporting must not stop the queueing. */
  private report(err: unknown): void {
    try {
      this.onQueueError(err);
    } catch {
      // ignored: see above
    }
  }

  private async stamp(ids: readonly string[]): Promise<void> {
    await queryRows(this.prisma, STAMP_QUEUED_SQL, [ids], { prepare: true });
  }

  /** Each row's linked defects: as recorded, or looked up in one statement for the rows that lack them. */
  private async linkedDefects(connection: ConnectionName, rows: readonly Row[]): Promise<(row: Row) => string[]> {
    const remoteIds = [...new Set(rows.filter((r) => !r.defectIds).flatMap((r) => r.remoteIds))];
    const links = remoteIds.length
      ? await this.prisma.$queryRaw<{ defectId: string; remoteId: string }[]>`
          SELECT "defectId"::text AS "defectId", "remoteId" FROM "TrackerLink"
          WHERE connection = ${connection} AND "remoteId" = ANY(${remoteIds}::text[])`
      : [];
    return (row) => row.defectIds ?? [...new Set(links.filter((l) => row.remoteIds.includes(l.remoteId)).map((l) => l.defectId))];
  }

  /**
   * Deletes rows handled (queued) more than `days` ago, `batch` rows per statement until none is left, so
   * no statement holds many locks or runs long. Unhandled rows stay whatever their age: the sweep still
   * owes them a job. A repeat of a pruned delivery is taken as new: one more sync, which reads the ticket
   * as it is and changes nothing.
   */
  async prune(days: number, batch = PRUNE_BATCH): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.prisma.$executeRaw`
        DELETE FROM "InboundEvent" WHERE id IN (
          SELECT id FROM "InboundEvent" WHERE "queuedAt" < now() - make_interval(days => ${days}::int) LIMIT ${batch})`;
      total += n;
      if (n < batch) return total;
    }
  }

  /** Queues rows a crash or a Redis outage left unqueued. */
  async sweep(limit = 500): Promise<number> {
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT id, connection, event, "remoteIds" FROM "InboundEvent"
      WHERE "queuedAt" IS NULL AND "receivedAt" < now() - make_interval(secs => ${SWEEP_AFTER_MS / 1000})
      ORDER BY id LIMIT ${limit}`;
    await this.dispatch(rows);
    return rows.length;
  }
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
