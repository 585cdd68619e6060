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

export async function findCaseRun(tx: Tx, id: string) {
  const run = isUuid(id) ? await tx.caseRun.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!run) throw notFound('case run', id);
  return run;
}
