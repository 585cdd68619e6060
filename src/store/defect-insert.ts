// A new defect, in the caller's transaction: its first history entry, its linked runs and its outbox row.
// The API's create, raising from a run, and failure triage's automatic defects all come through here.
import type { CaseRun, Defect, StatusChange } from '../generated/prisma/client.ts';
import { randomUUID } from 'node:crypto';
import { Prisma, queryRows, type PrismaClient, type Tx } from '../db.ts';
import { normalizeTags, stampFieldTimes, EDITABLE_FIELDS } from '../domain/defect-fields.ts';
import type { Severity } from '../domain/severity.ts';
import { outboxCtes } from './outbox.ts';
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
 * entry, its case-run links, its outbox row, the outgoing webhooks' deliveries and the NOTIFY are one
 * statement: the API's create was nine round trips through Prisma's model queries, then four (a
 * transaction around two statements), which cost most of the API process's CPU (bench:outbound). Given
 * the client rather than a transaction, the statement is its own transaction and goes straight to the
 * pool (queryRows); the runs given are then read first, outside it.
 */
export async function insertDefect(db: Tx | PrismaClient, input: NewDefect, actor: string, note?: string): Promise<InsertedDefect> {
  const runs = await loadFailedRuns(db, input.caseRunIds ?? [], (i) => `caseRunIds[${i}]`);
  const runIds = runs.map((r) => r.id);
  const now = new Date();
  // The id is made here, so the outbox row and the deliveries in the same statement can name it.
  const id = randomUUID();
  const statement = Prisma.sql`
    WITH d AS (
      INSERT INTO "Defect" (id, title, description, severity, assignee, milestone, tags, project, "fieldChangedAt", "createdAt", "updatedAt")
      VALUES (${id}::uuid, ${input.title}, ${input.description ?? ''}, ${input.severity ?? 'medium'}::"Severity", ${input.assignee ?? null}, ${input.milestone ?? null},
              ${normalizeTags(input.tags ?? [])}::text[], ${input.project ?? null}, ${JSON.stringify(stampFieldTimes({}, EDITABLE_FIELDS, now))}::jsonb, ${now}, ${now})
      RETURNING *
    ), h AS (
      INSERT INTO "StatusChange" ("defectId", "from", "to", actor, "causeCaseRunId", note, at)
      SELECT d.id, NULL, 'open', ${actor}, NULL, ${note ?? null}, ${now} FROM d
      RETURNING id, actor, note, at
    ), r AS (
      INSERT INTO "DefectCaseRun" ("defectId", "caseRunId") SELECT d.id, run FROM d, unnest(${runIds}::uuid[]) AS run
    ), ${outboxCtes(id, 'defect.created', {
      // A new defect's version is the column's default (1), known before the insert.
      version: 1,
      fields: [...EDITABLE_FIELDS],
      actor,
      ...(runIds.length && { caseRunIds: runIds }),
    }, 'd')}
    SELECT d.*, h.id AS h_id, h.actor AS h_actor, h.note AS h_note, h.at AS h_at FROM d, h`;
  const [row] = await queryRows<Defect & { h_id: bigint | string; h_actor: string; h_note: string | null; h_at: Date }>(db, statement.text, statement.values);
  const { h_id, h_actor, h_note, h_at, ...defect } = row!;
  const history: StatusChange[] = [{ id: BigInt(h_id), defectId: defect.id, from: null, to: 'open', actor: h_actor, causeCaseRunId: null, note: h_note, at: h_at }];
  return { ...defect, history, linkedRuns: runs };
}
