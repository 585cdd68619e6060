// Test results coming in. Recording a run, applying its verdict to defects and triaging a failure (its
// signature, matchers, a project's automatic defects: src/store/triage.ts) is one transaction, so a
// reopen, a close or a link is never lost between them.
import { recordHookEvent } from '../hooks/events.ts';
import type { PrismaClient } from '../db.ts';
import type { RunStatus } from '../domain/verification.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { inTransaction } from './defect-changes.ts';
import { verifyWithRun } from './case-run-links.ts';
import { caseRunView } from './views.ts';
import { signatureOf } from '../domain/signature.ts';
import { NO_TRIAGE, type TriageConfig } from '../domain/triage.ts';
import { triageRun } from './triage.ts';

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
  private readonly triage: TriageConfig;
  constructor(prisma: PrismaClient, triage: TriageConfig = NO_TRIAGE) {
    this.prisma = prisma;
    this.triage = triage;
  }

  async record(input: NewCaseRun) {
    return inTransaction(this.prisma, async (tx) => {
      const now = new Date();
      const signature = input.status === 'failed' ? signatureOf(input.message) : null;
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
          signature: signature?.id ?? null,
          signatureText: signature?.text ?? null,
        },
      });
      if (run.status === 'failed') await recordHookEvent(tx, ['case_run.failed'], run.id, { launch: run.launch, testCase: run.testCase });
      const affected = await verifyWithRun(tx, run);
      // A failure the verification loop linked (its test case's fixed defect) is triaged already.
      const triage = affected.length === 0 ? await triageRun(tx, run, run.project ? this.triage.projects[run.project] : undefined) : { answer: null, changed: null };
      if (triage.changed) affected.push(triage.changed);
      return {
        ...caseRunView(run),
        affectedDefects: affected.map((d) => ({ id: d.id, key: formatDefectKey(d.number), status: d.status })),
        triage: triage.answer,
      };
    });
  }
}
