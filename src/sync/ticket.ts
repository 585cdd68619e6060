// The defect as a ticket in the common shape: what every connector is given to write.
import type { PrismaClient } from '../db.ts';
import type { OutboundTicket } from '../../connectors/contract.ts';
import { formatDefectKey } from '../domain/defect-key.ts';

/** The defect and its failing runs as an OutboundTicket, or null when the defect no longer exists. */
export async function loadTicket(prisma: PrismaClient, defectId: string, publicUrl: string): Promise<OutboundTicket | null> {
  const defect = await prisma.defect.findUnique({
    where: { id: defectId },
    include: {
      caseRuns: {
        where: { caseRun: { status: 'failed' } },
        include: { caseRun: true },
        orderBy: { caseRun: { ranAt: 'desc' } },
      },
    },
  });
  if (!defect) return null;
  const key = formatDefectKey(defect.number);
  return {
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
      failingRuns: defect.caseRuns.map(({ caseRun: r }) => ({
        testCase: r.testCase,
        launch: r.launch,
        message: r.message,
        ranAt: r.ranAt.toISOString(),
      })),
    },
  };
}
