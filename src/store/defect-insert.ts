// A new defect, in the caller's transaction: its first history entry, its linked runs and its outbox row.
// The API's create, raising from a run, and failure triage's automatic defects all come through here.
import type { CaseRun, Defect, StatusChange } from '../generated/prisma/client.ts';
import type { Tx } from '../db.ts';
import { normalizeTags, stampFieldTimes, EDITABLE_FIELDS } from '../domain/defect-fields.ts';
import type { Severity } from '../domain/severity.ts';
import { appendOutbox } from './outbox.ts';
import { loadFailedRuns } from './case-run-links.ts';

export type NewDefect = {
  title: string;
  description?: string;
  severity?: Severity;
  assignee?: string | null;
  milestone?: string | null;
  tags?: string[];
  project?: string | null;
  caseRunIds?: string[];
};

/** The new row with what the API's view of it needs: its first history entry and the runs it was given. */
export type InsertedDefect = Defect & { history: StatusChange[]; linkedRuns: CaseRun[] };

/** `note`: why an automatic creation happened, on the first history entry. */
export async function insertDefect(tx: Tx, input: NewDefect, actor: string, note?: string): Promise<InsertedDefect> {
  const runs = await loadFailedRuns(tx, input.caseRunIds ?? [], (i) => `caseRunIds[${i}]`);
  const runIds = runs.map((r) => r.id);
  const now = new Date();
  const defect = await tx.defect.create({
    data: {
      title: input.title,
      description: input.description ?? '',
      severity: input.severity ?? 'medium',
      assignee: input.assignee ?? null,
      milestone: input.milestone ?? null,
      tags: normalizeTags(input.tags ?? []),
      project: input.project ?? null,
      fieldChangedAt: stampFieldTimes({}, EDITABLE_FIELDS, now),
      createdAt: now,
      updatedAt: now,
      caseRuns: { create: runIds.map((caseRunId) => ({ caseRunId })) },
      history: { create: { from: null, to: 'open', actor, at: now, note: note ?? null, causeCaseRunId: null } },
    },
    include: { history: true },
  });
  await appendOutbox(tx, defect.id, 'defect.created', {
    version: defect.version,
    fields: [...EDITABLE_FIELDS],
    actor,
    ...(runIds.length && { caseRunIds: runIds }),
  });
  return { ...defect, linkedRuns: runs };
}
