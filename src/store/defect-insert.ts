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

/**
 * `note`: why an automatic creation happened, on the first history entry. The defect, its first history
 * entry and its case-run links are one statement (and the outbox row, its hook deliveries and the NOTIFY
 * one more): the API's create was nine round trips through Prisma's model queries, which cost most of
 * the API process's CPU (bench:outbound, BENCH_SPLIT=1).
 */
export async function insertDefect(tx: Tx, input: NewDefect, actor: string, note?: string): Promise<InsertedDefect> {
  const runs = await loadFailedRuns(tx, input.caseRunIds ?? [], (i) => `caseRunIds[${i}]`);
  const runIds = runs.map((r) => r.id);
  const now = new Date();
  const [row] = await tx.$queryRaw<(Defect & { h_id: bigint; h_actor: string; h_note: string | null; h_at: Date })[]>`
    WITH d AS (
      INSERT INTO "Defect" (id, title, description, severity, assignee, milestone, tags, project, "fieldChangedAt", "createdAt", "updatedAt")
      VALUES (gen_random_uuid(), ${input.title}, ${input.description ?? ''}, ${input.severity ?? 'medium'}::"Severity", ${input.assignee ?? null}, ${input.milestone ?? null},
              ${normalizeTags(input.tags ?? [])}::text[], ${input.project ?? null}, ${JSON.stringify(stampFieldTimes({}, EDITABLE_FIELDS, now))}::jsonb, ${now}, ${now})
      RETURNING *
    ), h AS (
      INSERT INTO "StatusChange" ("defectId", "from", "to", actor, "causeCaseRunId", note, at)
      SELECT d.id, NULL, 'open', ${actor}, NULL, ${note ?? null}, ${now} FROM d
      RETURNING id, actor, note, at
    ), r AS (
      INSERT INTO "DefectCaseRun" ("defectId", "caseRunId") SELECT d.id, run FROM d, unnest(${runIds}::uuid[]) AS run
    )
    SELECT d.*, h.id AS h_id, h.actor AS h_actor, h.note AS h_note, h.at AS h_at FROM d, h`;
  const { h_id, h_actor, h_note, h_at, ...defect } = row!;
  const history: StatusChange[] = [{ id: h_id, defectId: defect.id, from: null, to: 'open', actor: h_actor, causeCaseRunId: null, note: h_note, at: h_at }];
  await appendOutbox(tx, defect.id, 'defect.created', {
    version: defect.version,
    fields: [...EDITABLE_FIELDS],
    actor,
    ...(runIds.length && { caseRunIds: runIds }),
  });
  return { ...defect, history, linkedRuns: runs };
}
