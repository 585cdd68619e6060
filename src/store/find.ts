import type { Defect } from '../generated/prisma/client.ts';
import { Prisma, queryRows, type PrismaClient, type Tx } from '../db.ts';
import { parseDefectRef, isUuid } from '../domain/defect-key.ts';
import { notFound } from '../errors.ts';

/** The model's columns, named: a prepared `SELECT *` breaks once a migration widens the table under a running release. */
const DEFECT_COLUMNS = Object.values(Prisma.DefectScalarFieldEnum).map((c) => `"${c}"`).join(', ');

/** Loads a defect by UUID or DEF-<n> key, or throws not_found. */
export function findDefect(db: Tx | PrismaClient, idOrKey: string): Promise<Defect> {
  return defectByRef(db, idOrKey, '');
}

/**
 * Like findDefect, but row-locks the defect until the transaction ends, so concurrent writers of one
 * defect queue up instead of racing (and each sees the other's result). Writers that lock several
 * defects lock them in key order, which rules out deadlocks. Locked and read in one statement (the row as
 * it is once the lock is granted: FOR UPDATE reads the latest version).
 */
export function lockDefect(tx: Tx, idOrKey: string): Promise<Defect> {
  return defectByRef(tx, idOrKey, ' FOR UPDATE');
}

/**
 * The defect by id or key, in one statement straight to the pool (queryRows), prepared: every PATCH and API
 * read starts here; in a transaction, through it.
 */
async function defectByRef(db: Tx | PrismaClient, idOrKey: string, lock: '' | ' FOR UPDATE'): Promise<Defect> {
  const ref = parseDefectRef(idOrKey);
  const [defect] = !ref
    ? []
    : 'id' in ref
      ? await queryRows<Defect>(db, `SELECT ${DEFECT_COLUMNS} FROM "Defect" WHERE id = $1::uuid${lock}`, [ref.id], { prepare: true })
      : await queryRows<Defect>(db, `SELECT ${DEFECT_COLUMNS} FROM "Defect" WHERE number = $1${lock}`, [ref.number], { prepare: true });
  if (!defect) throw notFound('defect', idOrKey);
  return defect;
}

export async function findCaseRun(tx: Tx, id: string) {
  const run = isUuid(id) ? await tx.caseRun.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!run) throw notFound('case run', id);
  return run;
}
