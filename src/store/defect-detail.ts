// A defect's detail parts (its newest case runs, its links, its newest history entries and the totals) in
// one statement. They were five of Prisma's model queries, one after another, inside every PATCH's
// transaction: profiled, the largest share of the API's CPU per update after the write itself.
import { queryRows, type PrismaClient, type Tx } from '../db.ts';
import type { CaseRun, StatusChange } from '../generated/prisma/client.ts';
import type { LinkShown } from './views.ts';

export type DetailParts = { runs: CaseRun[]; caseRunCount: number; links: LinkShown[]; history: StatusChange[]; historyCount: number };

// Oldest first within the newest `limit` (runs by when they were linked, history by time), as the API shows them.
const DETAIL_SQL = `
WITH r AS (
  SELECT c.*, l."linkedAt" AS "linkedAt" FROM "DefectCaseRun" l JOIN "CaseRun" c ON c.id = l."caseRunId"
  WHERE l."defectId" = $1::uuid ORDER BY l."linkedAt" DESC, l."caseRunId" DESC LIMIT $2),
h AS (SELECT * FROM "StatusChange" WHERE "defectId" = $1::uuid ORDER BY at DESC, id DESC LIMIT $2)
SELECT
  (SELECT coalesce(json_agg(r ORDER BY r."linkedAt", r.id), '[]') FROM r) AS runs,
  (SELECT count(*)::int FROM "DefectCaseRun" WHERE "defectId" = $1::uuid) AS "caseRunCount",
  (SELECT coalesce(json_agg(l ORDER BY l.tracker, l.connection), '[]') FROM (
     -- What the API shows of a link: not the snapshot, which would only be serialised to be dropped.
     SELECT connection, tracker, "remoteId", key, url, "syncState", "lastError", attempts, "lastAttemptAt", "lastSyncedAt", "nextAttemptAt", warnings
     FROM "TrackerLink" WHERE "defectId" = $1::uuid) l) AS links,
  (SELECT coalesce(json_agg(h ORDER BY h.at, h.id), '[]') FROM h) AS history,
  (SELECT count(*)::int FROM "StatusChange" WHERE "defectId" = $1::uuid) AS "historyCount"`;

type Raw = { runs: unknown; caseRunCount: number; links: unknown; history: unknown; historyCount: number };

export async function readDetailParts(db: Tx | PrismaClient, defectId: string, limit: number): Promise<DetailParts> {
  const [row] = await queryRows<Raw>(db, DETAIL_SQL, [defectId, limit], { prepare: true });
  if (!row) throw new Error('the detail statement returned no row');
  return {
    runs: rowsOf(row.runs, ['startedAt', 'finishedAt', 'ranAt', 'createdAt']) as CaseRun[],
    caseRunCount: row.caseRunCount,
    links: rowsOf(row.links, ['lastAttemptAt', 'lastSyncedAt', 'nextAttemptAt']) as LinkShown[],
    // json_agg writes the bigint id as a JSON number: back to the model's bigint.
    history: rowsOf(row.history, ['at']).map((h) => ({ ...h, id: BigInt(h.id as number | string) })) as StatusChange[],
    historyCount: row.historyCount,
  };
}

/** JSON rows with their timestamp columns as Dates again (json_agg writes them as ISO text with an offset). */
function rowsOf(json: unknown, dates: readonly string[]): Record<string, unknown>[] {
  const rows = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>[];
  for (const r of rows) for (const k of dates) if (typeof r[k] === 'string') r[k] = new Date(r[k]);
  return rows;
}
