// The inbound inbox. A webhook delivery (or a polled change) is first recorded, one row per notice and
// unique per connection and delivery id, and per connection and content key (a digest of the signed body: the
// delivery id is not signed, so a replay under a fresh id is the same body), so a repeated delivery is
// recognised and has one effect, for as long as its row is kept (INBOUND_RETENTION_DAYS). Then each
// linked defect gets a sync job on that connection's queue (deduplicated per defect with any job already
// waiting) and the row is stamped queued. The sync job reads the ticket as it is now and merges both
// ways, so the notice itself carries no field values. A row left unqueued (Redis down at that moment,
// a crash) is queued by the sweep, so nothing recorded is lost.
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { WebhookNotice } from '../../connectors/webhooks.ts';
import { COMMENTS_IN_JOB, debouncedJobOptions, dedupeKeyOf, type Debounce, type SyncJobData } from '../outbox/queues.ts';

/** Events after which a ticket's comments are read: comment webhooks (GitHub, Jira), Asana story events, polls. */
export function touchesComments(event: string): boolean {
  return event === 'poll' || event.startsWith('issue_comment') || event.startsWith('comment_') || event.startsWith('story.');
}

export type InboundSource = 'webhook' | 'poll';

type Row = { id: bigint; connection: ConnectionName; event: string; remoteIds: string[] };

/** accepted: new rows to queue; duplicates: seen before; ignored: about no ticket of ours (no row). */
export type RecordResult = { accepted: number; duplicates: number; ignored: number; rows: Row[] };

/** Rows deleted per statement when pruning (the index on queuedAt finds them). */
const PRUNE_BATCH = 1000;

/** Rows left unqueued this long are taken by the sweep (a live request is still queueing its own). */
const SWEEP_AFTER_MS = 10_000;

export class Inbox {
  private readonly prisma: PrismaClient;
  private readonly queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  private readonly debounce: Debounce;

  constructor(prisma: PrismaClient, queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>, debounce: Debounce) {
    this.prisma = prisma;
    this.queues = queues;
    this.debounce = debounce;
  }

  /**
   * Records the notices that concern a linked ticket; a notice whose delivery id or content key was seen
   * before is a duplicate and is not recorded again. A notice about no ticket of ours (another repository,
   * a pull request, an unlinked issue, a ping) is ignored and leaves no row: there is nothing to sync, and
   * so nothing to recognise when it comes again. One statement: the rows that come back are the new ones
   * to queue.
   */
  async record(connection: ConnectionName, notices: readonly WebhookNotice[], source: InboundSource): Promise<RecordResult> {
    if (notices.length === 0) return { accepted: 0, duplicates: 0, ignored: 0, rows: [] };
    const [result] = await this.prisma.$queryRaw<{ ours: number; rows: { id: string; connection: ConnectionName; event: string; remoteIds: string[] }[] }[]>`
      WITH n AS (
        SELECT n."deliveryId", n."contentKey", n.event, r."remoteIds",
               EXISTS (SELECT 1 FROM "TrackerLink" l WHERE l.connection = ${connection} AND l."remoteId" = ANY(r."remoteIds")) AS ours
        FROM jsonb_to_recordset(${JSON.stringify(notices)}::jsonb) AS n("deliveryId" text, "contentKey" text, event text, "remoteIds" jsonb)
        CROSS JOIN LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(n."remoteIds")) AS "remoteIds") r
      ), ins AS (
        INSERT INTO "InboundEvent" (connection, "deliveryId", "contentKey", event, "remoteIds", source)
        SELECT ${connection}, n."deliveryId", n."contentKey", n.event, n."remoteIds", ${source}
        FROM n WHERE n.ours
        -- A repeat by delivery id, or by content (a signed body under a fresh id): either unique key.
        ON CONFLICT DO NOTHING
        RETURNING id, connection, event, "remoteIds"
      )
      SELECT (SELECT count(*)::int FROM n WHERE n.ours) AS ours,
             (SELECT coalesce(json_agg(json_build_object('id', id::text, 'connection', connection, 'event', event, 'remoteIds', "remoteIds") ORDER BY id), '[]'::json) FROM ins) AS rows`;
    const ours = result?.ours ?? 0;
    const rows = (result?.rows ?? []).map((r) => ({ ...r, id: BigInt(r.id) }));
    return { accepted: rows.length, duplicates: ours - rows.length, ignored: notices.length - ours, rows };
  }

  /** Queues a sync job for every defect linked to the rows' tickets, then stamps the rows queued. */
  async dispatch(rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    let jobs = 0;
    for (const [connection, group] of groupBy(rows, (r) => r.connection)) {
      const queue = this.queues.get(connection);
      const remoteIds = [...new Set(group.flatMap((r) => r.remoteIds))];
      if (queue && remoteIds.length) {
        const links = await this.prisma.$queryRaw<{ defectId: string; remoteId: string }[]>`
          SELECT "defectId"::text AS "defectId", "remoteId" FROM "TrackerLink"
          WHERE connection = ${connection} AND "remoteId" = ANY(${remoteIds}::text[])`;
        for (const row of group) {
          for (const link of links.filter((l) => row.remoteIds.includes(l.remoteId))) {
            const data: SyncJobData = { outboxId: `inbound-${row.id}`, defectId: link.defectId, kind: 'defect.updated', version: 0, fields: [] };
            const jobId = `inbound-${row.id}-${link.defectId}`;
            const [options] = await debouncedJobOptions(queue, [{ jobId, defectId: link.defectId }], this.debounce);
            await queue.add('inbound', data, options);
            jobs++;
            // A comment event, or a poll (which cannot tell a comment from another change): the ticket's
            // comments are read too (src/sync/comment-sync.ts).
            if (touchesComments(row.event)) {
              const [copts] = await debouncedJobOptions(queue, [{ jobId: `${jobId}-comments`, defectId: dedupeKeyOf(COMMENTS_IN_JOB, link.defectId) }], this.debounce);
              await queue.add(COMMENTS_IN_JOB, { ...data, kind: 'defect.commented' }, copts);
            }
          }
        }
      }
      // Rows about tickets no defect is linked to (or a connection no longer configured) are done too.
    }
    await this.prisma.$executeRaw`UPDATE "InboundEvent" SET "queuedAt" = now() WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
    return jobs;
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
