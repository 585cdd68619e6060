// The defect as a ticket in the common shape: what every connector is given to write.
import type { PrismaClient } from '../db.ts';
import type { OutboundTicket } from '../../connectors/contract.ts';
import type { TrackerLink } from '../generated/prisma/client.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import type { FirstRead, SqlQuery } from './lock.ts';
import { linkFromJson } from './link-writes.ts';

/** How many failing runs a ticket lists (the footer shows these and counts the rest). */
export const TICKET_RUNS = 10;

/**
 * The ticket, the defect version it was read at (the link records which version it synced), and when
 * each field last changed on the defect (conflicts compare these with the tracker's times).
 */
export type LoadedTicket = { ticket: OutboundTicket; version: number; fieldChangedAt: unknown };

/**
 * The defect, its newest failing runs with their total, and (given a connection) its link there,
 * in one statement: a sync job's whole read costs one round trip. Only the runs the footer lists are
 * loaded, so a defect found by thousands of runs costs the same as one found by ten. Runs of equal time
 * come back by id, so the footer (and its digest) is stable.
 */
const LOAD_SQL = `
  SELECT d.id::text AS id, d.number, d.title, d.description, d.severity::text AS severity, d.status::text AS status,
    d.assignee, d.milestone, d.tags, d.version, d."fieldChangedAt",
    (SELECT count(*)::int FROM "DefectCaseRun" dc JOIN "CaseRun" r ON r.id = dc."caseRunId"
      WHERE dc."defectId" = d.id AND r.status = 'failed') AS "failingRunCount",
    (SELECT coalesce(json_agg(x ORDER BY x."ranAt" DESC, x."caseRunId"), '[]'::json) FROM (
      SELECT r."testCase", r.launch, r.message, r."ranAt", dc."caseRunId"
      FROM "DefectCaseRun" dc JOIN "CaseRun" r ON r.id = dc."caseRunId"
      WHERE dc."defectId" = d.id AND r.status = 'failed'
      ORDER BY r."ranAt" DESC, dc."caseRunId" LIMIT ${TICKET_RUNS}) x)::text AS runs,
    (SELECT row_to_json(l)::text FROM "TrackerLink" l WHERE l."defectId" = d.id AND l.connection = $2) AS link
  FROM "Defect" d WHERE d.id = $1::uuid`;

type RunJson = { testCase: string; launch: string; message: string | null; ranAt: string };

/** The defect as a ticket plus its link in `connection` (null: none yet), or null when the defect no longer exists. */
export async function loadTicketAndLink(
  query: SqlQuery,
  defectId: string,
  connection: string | null,
  publicUrl: string,
): Promise<{ loaded: LoadedTicket; link: TrackerLink | null } | null> {
  return ticketAndLinkOf(await query(LOAD_SQL, [defectId, connection]), publicUrl);
}

/** The read loadTicketAndLink makes, for SyncLocks to run with the lock (a job's first round trip). */
export function ticketAndLinkRead(defectId: string, connection: string): FirstRead {
  return { text: LOAD_SQL, values: [defectId, connection] };
}

/** loadTicketAndLink's answer from the rows of its read (run by it, or with the lock). */
export function ticketAndLinkOf(rows: Record<string, unknown>[], publicUrl: string): { loaded: LoadedTicket; link: TrackerLink | null } | null {
  const [row] = rows;
  if (!row) return null;
  const key = formatDefectKey(row.number as number);
  const runs = JSON.parse(row.runs as string) as RunJson[];
  const ticket: OutboundTicket = {
    fields: {
      title: row.title as string,
      description: row.description as string,
      severity: row.severity as OutboundTicket['fields']['severity'],
      status: row.status as OutboundTicket['fields']['status'],
      assignee: row.assignee as string | null,
      milestone: row.milestone as string | null,
      tags: row.tags as string[],
    },
    context: {
      defectId: row.id as string,
      defectKey: key,
      defectUrl: `${publicUrl}/api/defects/${key}`,
      // JSON gives the database's form of a time (+00:00); the footer and its digest use toISOString's.
      failingRuns: runs.map((r) => ({ testCase: r.testCase, launch: r.launch, message: r.message, ranAt: new Date(r.ranAt).toISOString() })),
      failingRunCount: row.failingRunCount as number,
    },
  };
  const link = row.link ? linkFromJson(JSON.parse(row.link as string) as Record<string, unknown>) : null;
  return { loaded: { ticket, version: row.version as number, fieldChangedAt: row.fieldChangedAt }, link };
}

/** The defect and its newest failing runs as an OutboundTicket, or null when the defect no longer exists. */
export async function loadTicket(prisma: PrismaClient, defectId: string, publicUrl: string): Promise<LoadedTicket | null> {
  const loaded = await loadTicketAndLink((text, values) => prisma.$queryRawUnsafe(text, ...values), defectId, null, publicUrl);
  return loaded?.loaded ?? null;
}
