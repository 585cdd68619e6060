// The one write path for an existing defect. The API's PATCH, case-run links and the verification loop
// all come through here, so every change gets the same lifecycle check, version bump, field stamps,
// status history row and outbox row, in one statement: in the caller's transaction (under its row lock), or
// on its own, guarded by the version it read (the API's PATCH).
import type { Defect } from '../generated/prisma/client.ts';
import { Prisma, queryRows, type PrismaClient, type Tx } from '../db.ts';
import { AppError } from '../errors.ts';
import { changedFields, stampFieldTimes, type DefectPatch, type EditableField } from '../domain/defect-fields.ts';
import { checkTransition } from '../domain/lifecycle.ts';
import { outboxCtes, type OutboxKind } from './outbox.ts';

export type ChangeContext = {
  actor: string;
  /** The case run that caused a status move (verification loop, links). */
  causeCaseRunId?: string;
  /** From If-Match: refuse the change unless the defect is still at this version. */
  expectedVersion?: number;
  caseRunIds?: string[];
  /** The tracker a change came from (inbound sync): the relay does not queue the change back to it. */
  origin?: string;
  /**
   * When each field really changed, if not now: a change pulled from a tracker is stamped with the
   * tracker's time of it, so a later conflict compares the times people made their edits.
   */
  changedAt?: Readonly<Record<string, Date>>;
};

/**
 * Another writer bumped the version between our read and our update. Writers in a transaction lock the
 * row first (lockDefect); the API's PATCH reads without a lock and relies on this: the race retries
 * instead of overwriting.
 */
class ConcurrentUpdate extends Error {}

export async function applyDefectChange(
  db: Tx | PrismaClient,
  defect: Defect,
  patch: DefectPatch,
  ctx: ChangeContext,
): Promise<{ defect: Defect; changed: string[] }> {
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== defect.version) {
    throw new AppError('version_mismatch', `defect is at version ${defect.version}, not ${ctx.expectedVersion}`, {
      currentVersion: defect.version,
    });
  }
  const changed = changedFields(defect, patch);
  const statusMoved = changed.includes('status') ? { from: defect.status, to: patch.status! } : undefined;
  if (statusMoved) {
    const check = checkTransition(statusMoved.from, statusMoved.to);
    if (!check.ok) {
      const { from, to, allowed } = check;
      throw new AppError('invalid_transition', `cannot move a defect from ${from} to ${to}`, undefined, { from, to, allowed });
    }
  }
  if (changed.length === 0 && !ctx.caseRunIds?.length) return { defect, changed };

  const now = new Date();
  const fieldChangedAt = stampFieldTimes(defect.fieldChangedAt as Record<string, string>, changed, now, ctx.changedAt);
  const kind: OutboxKind = statusMoved
    ? 'defect.status_changed'
    : changed.length
      ? 'defect.updated'
      : 'defect.case_run_linked';
  const history = statusMoved
    ? Prisma.sql`s AS (
        INSERT INTO "StatusChange" ("defectId", "from", "to", actor, "causeCaseRunId", at)
        SELECT d.id, ${statusMoved.from}::"DefectStatus", ${statusMoved.to}::"DefectStatus", ${ctx.actor}, ${ctx.causeCaseRunId ?? null}::uuid, ${now} FROM d
      ),`
    : Prisma.empty;
  // One statement writes the row (if still at the version read), its history entry, its outbox row and
  // the webhooks' deliveries, and reads the row back: on its own (the API's PATCH) it is the whole
  // transaction; the version check then stands in for the row lock, and a lost race is retried.
  const statement = Prisma.sql`
    WITH d AS (
      UPDATE "Defect" SET ${changed.length ? Prisma.join(changed.map((f) => setColumn(f, patch[f])), ', ', '', ', ') : Prisma.empty}
        "fieldChangedAt" = ${JSON.stringify(fieldChangedAt)}::jsonb, version = version + 1, "updatedAt" = ${now}
      WHERE id = ${defect.id}::uuid AND version = ${defect.version}
      RETURNING *
    ), ${history} ${outboxCtes(
      defect.id,
      kind,
      {
        version: defect.version + 1,
        fields: changed,
        actor: ctx.actor,
        ...(statusMoved && { status: statusMoved }),
        ...(ctx.caseRunIds?.length && { caseRunIds: ctx.caseRunIds }),
        ...(ctx.origin && { origin: ctx.origin }),
      },
      'd',
    )}
    SELECT d.* FROM d`;
  const [updated] = await queryRows<Defect>(db, statement.text, statement.values);
  if (!updated) throw new ConcurrentUpdate();
  return { defect: updated, changed };
}

/** `column = value` for one editable field, cast to the column's type. */
function setColumn(field: EditableField, value: DefectPatch[EditableField]): Prisma.Sql {
  switch (field) {
    case 'severity':
      return Prisma.sql`severity = ${value}::"Severity"`;
    case 'status':
      return Prisma.sql`status = ${value}::"DefectStatus"`;
    case 'tags':
      return Prisma.sql`tags = ${value}::text[]`;
    default:
      // The column is the field's own name (a member of EDITABLE_FIELDS, never input).
      return Prisma.sql`${Prisma.raw(`"${field}"`)} = ${value ?? null}`;
  }
}

/** Runs fn in a transaction, again from the start (a few times) when a concurrent writer won the race. */
export async function inTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(fn);
    } catch (err) {
      if (!(err instanceof ConcurrentUpdate) || attempt >= 5) {
        if (err instanceof ConcurrentUpdate) throw new AppError('conflict', 'the defect kept changing; try again');
        throw err;
      }
    }
  }
}

/** applyDefectChange lost the race: another writer changed the defect since it was read (without a lock). */
export function isConcurrentUpdate(err: unknown): boolean {
  return err instanceof ConcurrentUpdate;
}
