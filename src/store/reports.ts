// Read-only views across defects and runs: impact of a defect, readiness of a milestone.
import type { PrismaClient } from '../db.ts';
import { findDefect } from './find.ts';
import { notFound } from '../errors.ts';
import { defectView } from './views.ts';

export class Reports {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** The test cases a defect was found by, each with its latest run (linked or not) and how many linked runs it has. */
  async impact(idOrKey: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const rows = await this.prisma.$queryRaw<
      { testCase: string; linkedRuns: bigint; id: string; status: string; launch: string; message: string | null; ranAt: Date }[]
    >`
      WITH linked AS (
        SELECT r."testCase", count(*) AS "linkedRuns"
        FROM "DefectCaseRun" l JOIN "CaseRun" r ON r.id = l."caseRunId"
        WHERE l."defectId" = ${defect.id}::uuid
        GROUP BY r."testCase"
      )
      SELECT linked."testCase", linked."linkedRuns", latest.id::text AS id, latest.status::text AS status,
             latest.launch, latest.message, latest."ranAt"
      FROM linked
      CROSS JOIN LATERAL (
        SELECT * FROM "CaseRun" r WHERE r."testCase" = linked."testCase"
        ORDER BY r."ranAt" DESC, r."createdAt" DESC LIMIT 1
      ) latest
      ORDER BY linked."testCase"`;
    return {
      defect: { id: defect.id, key: defectView(defect).key, status: defect.status },
      testCases: rows.map((r) => ({
        testCase: r.testCase,
        linkedRuns: Number(r.linkedRuns),
        latestRun: { id: r.id, status: r.status, launch: r.launch, message: r.message, ranAt: new Date(r.ranAt).toISOString() },
      })),
    };
  }

  /**
   * A milestone is ready when none of its critical defects is still unfixed. A milestone no defect carries
   * is not found rather than ready: a misspelt name must not read as "ready to ship".
   */
  async readiness(milestone: string) {
    const [blocking, byStatus] = await Promise.all([
      this.prisma.defect.findMany({
        where: { milestone, severity: 'critical', status: { notIn: ['resolved', 'closed'] } },
        orderBy: { number: 'asc' },
      }),
      this.prisma.defect.groupBy({ by: ['status'], where: { milestone }, _count: { _all: true } }),
    ]);
    if (byStatus.length === 0) throw notFound('milestone', milestone);
    const counts = Object.fromEntries(byStatus.map((g) => [g.status, g._count._all]));
    return { milestone, ready: blocking.length === 0, blocking: blocking.map(defectView), counts };
  }
}
