// The sync engine's writes to its link row, as single SQL statements on the connection that holds the
// sync's lock (SyncLocks gives it): the hot path of every sync job, where Prisma's per-query cost was
// most of the service's CPU. Each returns the row as Prisma would (the model's columns; timestamptz columns
// come back as Dates from pg). A new row's id, which Prisma fills in on the client side (uuid()), is set here;
// "updatedAt" is the database's own (a trigger, migration 20261202160000).
import type { TicketRef, TrackerKind } from '../../connectors/contract.ts';
import { Prisma } from '../db.ts';
import type { TrackerLink } from '../generated/prisma/client.ts';
import type { SqlQuery } from './lock.ts';
import type { Snapshot } from './plan.ts';
import { directionOf, type ActivityRecord } from '../store/sync-activity.ts';

/**
 * The columns this build's model has, named rather than `*`: these statements are prepared once per lock
 * connection (lock.ts), and a prepared `RETURNING *` fails with "cached plan must not change result type"
 * once a migration adds a column under a process of the previous release (a rolling deploy).
 */
const LINK_COLUMNS = Object.values(Prisma.TrackerLinkScalarFieldEnum).map((c) => `"${c}"`).join(', ');

async function one<Row = TrackerLink>(sql: SqlQuery, text: string, values: unknown[]): Promise<Row> {
  const [row] = await sql(text, values);
  if (!row) throw new Error('tracker link row not found');
  return linkFromJson(row) as Row;
}

const LINK_TIMES = ['createStartedAt', 'lastCreateAttemptAt', 'lastAttemptAt', 'lastSyncedAt', 'nextAttemptAt', 'createdAt', 'updatedAt'] as const;

/** A TrackerLink row read as JSON (times are strings there) in the shape Prisma gives it; a row from pg passes unchanged. */
export function linkFromJson(json: Record<string, unknown>): TrackerLink {
  for (const f of LINK_TIMES) if (typeof json[f] === 'string') json[f] = new Date(json[f] as string);
  return json as TrackerLink;
}

/** A link just marked synced, and whether its defect has any comments (a new ticket gets them at once). */
export type SyncedLink = TrackerLink & { hasComments: boolean };

/**
 * The link row written before the first create call (state pending, no remote id yet), unless the defect
 * has one in the connection or no longer exists: $1 the defect, $2 the connection, $3 the attempt's time,
 * $4 the tracker kind.
 */
const INSERT_LINK = `
  INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "createStartedAt", "lastCreateAttemptAt")
  SELECT gen_random_uuid(), $1::uuid, $2::text, $4::"TrackerKind", $3::timestamptz, $3::timestamptz
  WHERE EXISTS (SELECT 1 FROM "Defect" WHERE id = $1::uuid)
  ON CONFLICT ("defectId", connection) DO NOTHING`;

/** INSERT_LINK as the sync lock's `ensure` (lock.ts), before the job's first read: a row back means it wrote one. */
export function ensureLink(defectId: string, target: { connection: string; kind: TrackerKind }, createStartedAt: Date): { text: string; values: unknown[] } {
  return { text: `${INSERT_LINK} RETURNING 1`, values: [defectId, target.connection, createStartedAt, target.kind] };
}

/** INSERT_LINK run apart (a round that reads again after DefectMovedOn), returning the new row. */
export function insertLink(sql: SqlQuery, defectId: string, target: { connection: string; kind: TrackerKind }, createStartedAt: Date): Promise<TrackerLink> {
  return one(sql, `${INSERT_LINK} RETURNING ${LINK_COLUMNS}`, [defectId, target.connection, createStartedAt, target.kind]);
}

/** A create attempt about to be made: the first one's time stays, the latest one's is this. */
export function recordCreateAttempt(sql: SqlQuery, id: string, at: Date): Promise<TrackerLink> {
  return one(
    sql,
    `UPDATE "TrackerLink" SET "createStartedAt" = coalesce("createStartedAt", $2), "lastCreateAttemptAt" = $2
     WHERE id = $1::uuid RETURNING ${LINK_COLUMNS}`,
    [id, at],
  );
}

/** Where the ticket just created lives. */
export async function setRemote(sql: SqlQuery, id: string, ref: TicketRef): Promise<void> {
  await sql(`UPDATE "TrackerLink" SET "remoteId" = $2, key = $3, url = $4 WHERE id = $1::uuid`, [id, ref.remoteId, ref.key, ref.url]);
}

/**
 * A successful sync: the ticket's ref and snapshot (when given), state synced, the attempt counters reset;
 * with `activity`, the attempt's activity row in the same statement (a data-modifying CTE): one round trip
 * where two cost a second socket write and Prisma's per-query work on every job (profiled: the statements
 * a job sends are most of its CPU). It also answers whether the defect has comments: a ticket just created
 * needs a comment pass only then, and asking here spares the pass's own five statements on every create.
 * Every parameter is cast where it is used: given the lock's `sqlThenUnlock`, they all arrive as text.
 */
export function markSynced(
  sql: SqlQuery,
  id: string,
  ref: TicketRef | null,
  snapshot: Snapshot | null,
  attemptAt: Date,
  facts: { version: number; warnings: string[] },
  activity?: Omit<ActivityRecord, 'defectId' | 'connection'>,
): Promise<SyncedLink> {
  return one<SyncedLink>(
    sql,
    `WITH u AS (
       UPDATE "TrackerLink" SET
         "remoteId" = coalesce($2::text, "remoteId"), key = coalesce($3::text, key), url = coalesce($4::text, url),
         snapshot = coalesce($5::jsonb, snapshot),
         "syncState" = 'synced', "lastError" = NULL, attempts = 0, "lastAttemptAt" = $6::timestamptz, "lastSyncedAt" = $7::timestamptz,
         "nextAttemptAt" = NULL, "syncedVersion" = $8::int, warnings = $9::text[]
       WHERE id = $1::uuid RETURNING ${LINK_COLUMNS}),
     a AS (
       INSERT INTO "SyncActivity" ("defectId", connection, direction, pushed, pulled, outcome, conflicts)
       SELECT u."defectId", u.connection, $10::text, $11::text[], $12::text[], $13::text, $14::text[] FROM u WHERE $13::text IS NOT NULL)
     SELECT u.*, EXISTS (SELECT 1 FROM "Comment" c WHERE c."defectId" = u."defectId") AS "hasComments" FROM u`,
    [
      id, ref?.remoteId ?? null, ref?.key ?? null, ref?.url ?? null, snapshot ? JSON.stringify(snapshot) : null, attemptAt, new Date(), facts.version, facts.warnings,
      activity ? directionOf(activity.pushed, activity.pulled) : null, [...(activity?.pushed ?? [])], [...(activity?.pulled ?? [])], activity?.outcome ?? null, [...(activity?.conflicts ?? [])],
    ],
  );
}
