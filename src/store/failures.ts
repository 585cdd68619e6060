// GET /api/failures (issue 16 part 1): failed runs grouped by signature, the most frequent first, each with
// its test cases, first and last time seen, and the defect its runs are linked to (an active one first).
import { Prisma, type PrismaClient } from '../db.ts';
import { formatDefectKey } from '../domain/defect-key.ts';

export type FailureQuery = { launch?: string | undefined; project?: string | undefined; since: Date; untriaged: boolean; limit: number };

/** A group lists this many of its test cases (its count says how many there are). */
const TEST_CASES_SHOWN = 20;

type Row = { signature: string; text: string; count: number; testCaseCount: number; testCases: string[]; firstSeen: Date; lastSeen: Date; defectNumber: number | null; defectStatus: string | null };

export async function failureGroups(prisma: PrismaClient, q: FailureQuery) {
  const filters = [
    Prisma.sql`r.status = 'failed'`,
    Prisma.sql`r.signature IS NOT NULL`,
    Prisma.sql`r."ranAt" >= ${q.since}`,
    ...(q.launch !== undefined ? [Prisma.sql`r.launch = ${q.launch}`] : []),
    ...(q.project !== undefined ? [Prisma.sql`r.project = ${q.project}`] : []),
    ...(q.untriaged ? [Prisma.sql`NOT EXISTS (SELECT 1 FROM "DefectCaseRun" l WHERE l."caseRunId" = r.id)`] : []),
  ];
  const rows = await prisma.$queryRaw<Row[]>(Prisma.sql`
    WITH g AS (
      SELECT r.signature, min(r."signatureText") AS text, count(*)::int AS count, count(DISTINCT r."testCase")::int AS "testCaseCount",
             (array_agg(DISTINCT r."testCase"))[1:${Prisma.raw(String(TEST_CASES_SHOWN))}] AS "testCases", min(r."ranAt") AS "firstSeen", max(r."ranAt") AS "lastSeen"
      FROM "CaseRun" r WHERE ${Prisma.join(filters, ' AND ')}
      GROUP BY r.signature ORDER BY count(*) DESC, r.signature LIMIT ${q.limit}
    )
    SELECT g.*, d.number AS "defectNumber", d.status::text AS "defectStatus" FROM g
    LEFT JOIN LATERAL (
      SELECT d.number, d.status FROM "CaseRun" x JOIN "DefectCaseRun" l ON l."caseRunId" = x.id JOIN "Defect" d ON d.id = l."defectId"
      WHERE x.signature = g.signature ${q.project !== undefined ? Prisma.sql`AND x.project = ${q.project}` : Prisma.empty}
      ORDER BY (d.status IN ('open', 'in_progress', 'reopened')) DESC, x."ranAt" DESC LIMIT 1
    ) d ON true
    ORDER BY g.count DESC, g.signature`);
  return rows.map((r) => ({
    signature: r.signature,
    text: r.text,
    count: r.count,
    testCaseCount: r.testCaseCount,
    testCases: r.testCases,
    firstSeen: r.firstSeen.toISOString(),
    lastSeen: r.lastSeen.toISOString(),
    defect: r.defectNumber === null ? null : { key: formatDefectKey(r.defectNumber), status: r.defectStatus },
  }));
}
