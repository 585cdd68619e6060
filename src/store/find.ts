import type { Defect } from '../generated/prisma/client.ts';
import type { Tx } from '../db.ts';
import { parseDefectRef, isUuid } from '../domain/defect-key.ts';
import { notFound } from '../errors.ts';

/** Loads a defect by UUID or DEF-<n> key, or throws not_found. */
export async function findDefect(tx: Tx, idOrKey: string): Promise<Defect> {
  const ref = parseDefectRef(idOrKey);
  const defect = ref && (await tx.defect.findUnique({ where: ref }));
  if (!defect) throw notFound('defect', idOrKey);
  return defect;
}

/**
 * Like findDefect, but row-locks the defect until the transaction ends, so concurrent writers of one
 * defect queue up instead of racing (and each sees the other's result). Writers that lock several
 * defects lock them in key order, which rules out deadlocks.
 */
export async function lockDefect(tx: Tx, idOrKey: string): Promise<Defect> {
  const ref = parseDefectRef(idOrKey);
  // Locked and read in one statement (the row as it is once the lock is granted: FOR UPDATE reads the latest version).
  const [defect] = !ref
    ? []
    : 'id' in ref
      ? await tx.$queryRaw<Defect[]>`SELECT * FROM "Defect" WHERE id = ${ref.id}::uuid FOR UPDATE`
      : await tx.$queryRaw<Defect[]>`SELECT * FROM "Defect" WHERE number = ${ref.number} FOR UPDATE`;
  if (!defect) throw notFound('defect', idOrKey);
  return defect;
}

export async function findCaseRun(tx: Tx, id: string) {
  const run = isUuid(id) ? await tx.caseRun.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!run) throw notFound('case run', id);
  return run;
}
