// Test results coming in. Recording a run and applying its verdict to defects is one transaction,
// so a reopen or close is never lost between the two.
import { recordHookEvent } from '../hooks/events.ts';
import type { PrismaClient } from '../db.ts';
import type { RunStatus } from '../domain/verification.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { inTransaction } from './defect-changes.ts';
import { verifyWithRun } from './case-run-links.ts';
import { caseRunView } from './views.ts';

export type NewCaseRun = {
  launch: string;
  testCase: string;
  status: RunStatus;
  message?: string | null;
  project?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
};

export class CaseRunStore {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async record(input: NewCaseRun) {
    return inTransaction(this.prisma, async (tx) => {
      const now = new Date();
      const run = await tx.caseRun.create({
        data: {
          launch: input.launch,
          testCase: input.testCase,
          status: input.status,
          message: input.message ?? null,
          project: input.project ?? null,
          startedAt: input.startedAt ?? null,
          finishedAt: input.finishedAt ?? null,
          ranAt: input.finishedAt ?? input.startedAt ?? now,
          createdAt: now,
        },
      });
      if (run.status === 'failed') await recordHookEvent(tx, ['case_run.failed'], run.id, { launch: run.launch, testCase: run.testCase });
      const affected = await verifyWithRun(tx, run);
      return {
        ...caseRunView(run),
        affectedDefects: affected.map((d) => ({ id: d.id, key: formatDefectKey(d.number), status: d.status })),
      };
    });
  }
}
