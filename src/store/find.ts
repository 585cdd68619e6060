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
  if (ref) {
    await ('id' in ref
      ? tx.$executeRaw`SELECT 1 FROM "Defect" WHERE id = ${ref.id}::uuid FOR UPDATE`
      : tx.$executeRaw`SELECT 1 FROM "Defect" WHERE number = ${ref.number} FOR UPDATE`);
  }
  return findDefect(tx, idOrKey);
}

export async function findCaseRun(tx: Tx, id: string) {
  const run = isUuid(id) ? await tx.caseRun.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!run) throw notFound('case run', id);
  return run;
}
