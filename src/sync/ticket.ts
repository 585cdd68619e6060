// The defect as a ticket in the common shape: what every connector is given to write.
import type { PrismaClient } from '../db.ts';
import type { OutboundTicket } from '../../connectors/contract.ts';
import { formatDefectKey } from '../domain/defect-key.ts';

/** How many failing runs a ticket lists (the footer shows these and counts the rest). */
export const TICKET_RUNS = 10;

/**
 * The ticket, the defect version it was read at (the link records which version it synced), and when
 * each field last changed on the defect (conflicts compare these with the tracker's times).
 */
export type LoadedTicket = { ticket: OutboundTicket; version: number; fieldChangedAt: unknown };

/**
 * The defect and its newest failing runs as an OutboundTicket, or null when the defect no longer exists.
 * Only the runs the footer lists are loaded, plus their total: a defect found by thousands of runs costs
 * the same as one found by ten. Runs of equal time come back by id, so the footer (and its digest) is stable.
 */
export async function loadTicket(prisma: PrismaClient, defectId: string, publicUrl: string): Promise<LoadedTicket | null> {
  const defect = await prisma.defect.findUnique({ where: { id: defectId } });
  if (!defect) return null;
  const failing = { defectId, caseRun: { status: 'failed' as const } };
  const runs = await prisma.defectCaseRun.findMany({
    where: failing,
    include: { caseRun: true },
    orderBy: [{ caseRun: { ranAt: 'desc' } }, { caseRunId: 'asc' }],
    take: TICKET_RUNS,
  });
  const failingRunCount = await prisma.defectCaseRun.count({ where: failing });
  const key = formatDefectKey(defect.number);
  const ticket: OutboundTicket = {
    fields: {
      title: defect.title,
      description: defect.description,
      severity: defect.severity,
      status: defect.status,
      assignee: defect.assignee,
    },
    context: {
      defectId: defect.id,
      defectKey: key,
      defectUrl: `${publicUrl}/api/defects/${key}`,
      failingRuns: runs.map(({ caseRun: r }) => ({
        testCase: r.testCase,
        launch: r.launch,
        message: r.message,
        ranAt: r.ranAt.toISOString(),
      })),
      failingRunCount,
    },
  };
  return { ticket, version: defect.version, fieldChangedAt: defect.fieldChangedAt };
}
