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
  return row as Row;
}

/** A link just marked synced, and whether its defect has any comments (a new ticket gets them at once). */
export type SyncedLink = TrackerLink & { hasComments: boolean };

/** The link row written before the first create call (state pending, no remote id yet). */
export function insertLink(sql: SqlQuery, defectId: string, target: { connection: string; kind: TrackerKind }, createStartedAt: Date): Promise<TrackerLink> {
  return one(
    sql,
    `INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "createStartedAt", "lastCreateAttemptAt")
     VALUES (gen_random_uuid(), $1::uuid, $2, $3::"TrackerKind", $4, $4) RETURNING ${LINK_COLUMNS}`,
    [defectId, target.connection, target.kind, createStartedAt],
  );
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
         "remoteId" = coalesce($2, "remoteId"), key = coalesce($3, key), url = coalesce($4, url),
         snapshot = coalesce($5::jsonb, snapshot),
         "syncState" = 'synced', "lastError" = NULL, attempts = 0, "lastAttemptAt" = $6, "lastSyncedAt" = $7,
         "nextAttemptAt" = NULL, "syncedVersion" = $8, warnings = $9::text[]
       WHERE id = $1::uuid RETURNING ${LINK_COLUMNS}),
     a AS (
       INSERT INTO "SyncActivity" ("defectId", connection, direction, pushed, pulled, outcome, conflicts)
       SELECT u."defectId", u.connection, $10, $11::text[], $12::text[], $13, $14::text[] FROM u WHERE $13::text IS NOT NULL)
     SELECT u.*, EXISTS (SELECT 1 FROM "Comment" c WHERE c."defectId" = u."defectId") AS "hasComments" FROM u`,
    [
      id, ref?.remoteId ?? null, ref?.key ?? null, ref?.url ?? null, snapshot ? JSON.stringify(snapshot) : null, attemptAt, new Date(), facts.version, facts.warnings,
      activity ? directionOf(activity.pushed, activity.pulled) : null, [...(activity?.pushed ?? [])], [...(activity?.pulled ?? [])], activity?.outcome ?? null, [...(activity?.conflicts ?? [])],
    ],
  );
}
