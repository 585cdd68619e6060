// Linking failed case runs to defects, and the verification loop that test results drive.
import type { CaseRun, Defect } from '../generated/prisma/client.ts';
import { Prisma, type PrismaClient, type Tx } from '../db.ts';
import { AppError } from '../errors.ts';
import { shouldClose, shouldReopen } from '../domain/verification.ts';
import { addEvidence, closeBody, reopenBody, verifyingRuns } from './evidence.ts';
import { applyDefectChange } from './defect-changes.ts';
import { lockDefect } from './find.ts';

import { VERIFICATION_ACTOR } from '../domain/actors.ts';

export { VERIFICATION_ACTOR };

/** A run is the latest of its test case when no other run of that test case ran later. */
export async function isLatestRun(tx: Tx, run: CaseRun): Promise<boolean> {
  const later = await tx.caseRun.count({ where: { testCase: run.testCase, ranAt: { gt: run.ranAt }, id: { not: run.id } } });
  return later === 0;
}

export function requireFailed(run: CaseRun, field: string): void {
  if (run.status !== 'failed') {
    throw new AppError('case_run_not_failed', `case run ${run.id} ${run.status}; only failed runs can be linked to a defect`, {
      field,
      caseRunId: run.id,
      status: run.status,
    });
  }
}

/**
 * Loads the failed runs a request body refers to, in order and without repeats. An unknown id is a 400
 * naming its field (`field(i)` for the i-th id as sent); a run that did not fail is a 409.
 */
export async function loadFailedRuns(tx: Tx | PrismaClient, ids: readonly string[], field: (i: number) => string): Promise<CaseRun[]> {
  const wanted = ids.map((id) => id.toLowerCase());
  const found = wanted.length ? await tx.caseRun.findMany({ where: { id: { in: wanted } } }) : [];
  const byId = new Map(found.map((r) => [r.id, r]));
  wanted.forEach((id, i) => {
    const run = byId.get(id);
    if (!run) throw new AppError('invalid_reference', `${field(i)}: no case run with id ${ids[i]}`, { field: field(i) });
    requireFailed(run, field(i));
  });
  return [...new Set(wanted)].map((id) => byId.get(id)!);
}

/**
 * Links failed runs to a defect (idempotent: already-linked runs are skipped). When a newly linked run is
 * the latest of its test case and the defect is fixed, the defect is reopened with that run as cause.
 */
export async function linkRuns(tx: Tx, defect: Defect, runs: CaseRun[], actor: string): Promise<Defect> {
  const existing = await tx.defectCaseRun.findMany({
    where: { defectId: defect.id, caseRunId: { in: runs.map((r) => r.id) } },
    select: { caseRunId: true },
  });
  const known = new Set(existing.map((l) => l.caseRunId));
  const fresh = runs.filter((r) => !known.has(r.id));
  if (fresh.length === 0) return defect;
  await tx.defectCaseRun.createMany({ data: fresh.map((r) => ({ defectId: defect.id, caseRunId: r.id })) });

  let reopenCause: CaseRun | undefined;
  for (const run of fresh) {
    if (shouldReopen(defect.status, { status: run.status, isLatestOfTestCase: await isLatestRun(tx, run) })) {
      reopenCause = run;
      break;
    }
  }
  const patch = reopenCause ? { status: 'reopened' as const } : {};
  const ctx = {
    actor: reopenCause ? VERIFICATION_ACTOR : actor,
    caseRunIds: fresh.map((r) => r.id),
    ...(reopenCause && { causeCaseRunId: reopenCause.id }),
  };
  // Test evidence on the tickets (issue 15 part 3): one comment per launch saying why, in this transaction.
  if (reopenCause) await addEvidence(tx, defect, `reopen:${reopenCause.launch}`, reopenBody(reopenCause));
  return (await applyDefectChange(tx, defect, patch, ctx)).defect;
}

/** Defects linked to any run of the given test case, locked (in key order) and still in one of the statuses. */
async function defectsOfTestCase(tx: Tx, testCase: string, statuses: Defect['status'][]): Promise<Defect[]> {
  const candidates = await tx.defect.findMany({
    where: { status: { in: statuses }, caseRuns: { some: { caseRun: { testCase } } } },
    orderBy: { number: 'asc' },
    select: { id: true },
  });
  const locked: Defect[] = [];
  for (const { id } of candidates) {
    const defect = await lockDefect(tx, id);
    if (statuses.includes(defect.status)) locked.push(defect);
  }
  return locked;
}

/**
 * Latest run of each test case linked to the defect: for each test case one backward step of the
 * (testCase, ranAt) index, rather than every run the test case ever had (review #27).
 */
export function latestRunsQuery(defectId: string) {
  return Prisma.sql`
    SELECT t."testCase", latest.status::text AS status
    FROM (
      SELECT DISTINCT lr."testCase" FROM "DefectCaseRun" l JOIN "CaseRun" lr ON lr.id = l."caseRunId" WHERE l."defectId" = ${defectId}::uuid
    ) t
    CROSS JOIN LATERAL (
      SELECT r.status FROM "CaseRun" r WHERE r."testCase" = t."testCase" ORDER BY r."ranAt" DESC, r."createdAt" DESC LIMIT 1
    ) latest`;
}

/** Latest run status of every test case linked to the defect. */
async function latestRunByTestCase(tx: Tx, defectId: string): Promise<Map<string, CaseRun['status']>> {
  const rows = await tx.$queryRaw<{ testCase: string; status: CaseRun['status'] }[]>(latestRunsQuery(defectId));
  return new Map(rows.map((r) => [r.testCase, r.status]));
}

/**
 * Applies a new run's verdict to the defects of its test case: a failure reopens fixed defects
 * (and is linked to them as the run that found the problem again); a pass closes resolved defects
 * whose every linked test case now passes. Returns the defects it changed.
 */
export async function verifyWithRun(tx: Tx, run: CaseRun): Promise<Defect[]> {
  const changed: Defect[] = [];
  if (run.status === 'failed') {
    if (!(await isLatestRun(tx, run))) return changed;
    for (const defect of await defectsOfTestCase(tx, run.testCase, ['resolved', 'closed'])) {
      changed.push(await linkRuns(tx, defect, [run], VERIFICATION_ACTOR));
    }
  } else if (run.status === 'passed') {
    for (const defect of await defectsOfTestCase(tx, run.testCase, ['resolved'])) {
      if (!shouldClose(defect.status, await latestRunByTestCase(tx, defect.id))) continue;
      const ctx = { actor: VERIFICATION_ACTOR, causeCaseRunId: run.id };
      await addEvidence(tx, defect, `close:${run.launch}`, closeBody(await verifyingRuns(tx, defect.id)));
      changed.push((await applyDefectChange(tx, defect, { status: 'closed' }, ctx)).defect);
    }
  }
  return changed;
}
