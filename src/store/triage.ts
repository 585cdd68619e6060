// Failure triage when a run is recorded (issue 16 part 1), in the run's own transaction: a failure whose
// signature a linked run already has joins that run's defect; failing that, the first matcher that catches
// it links it; failing that, in a project with automatic defects, a failure that meets the project's n-of-m
// rule becomes a candidate, raised (or held back by the storm breaker) once its launch goes quiet
// (src/store/triage-decide.ts). Every link is in the defect's history with actor `triage`.
import type { CaseRun, Defect } from '../generated/prisma/client.ts';
import { Prisma, type Tx } from '../db.ts';
import { TRIAGE_ACTOR } from '../domain/actors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { meetsFailureRule, type ProjectTriage } from '../domain/triage.ts';
import { linkRuns } from './case-run-links.ts';
import { lockDefect } from './find.ts';
import { matcherDefect } from './matchers.ts';

export type TriageAnswer =
  | { defect: string; by: 'signature' | 'matcher' }
  /** Met its project's rule: a defect is raised when the launch goes quiet, unless a storm holds it. */
  | { defect: null; by: 'pending' }
  /** The launch is a storm: the open incident holds the defect back. */
  | { defect: null; by: 'held'; incident: string };

export type TriageOutcome = { answer: TriageAnswer | null; changed: Defect | null };

/**
 * How far back auto-linking looks among a signature's runs for one linked to a defect. Once a signature
 * has a defect its new runs are linked too, so the newest runs find it at once; only a signature nobody
 * triaged is walked this far, and finds nothing.
 */
const LOOKBACK = 1000;

/** A signature joins a defect still being worked on first; a fixed one only when it has no such defect. */
const ACTIVE_STATUSES = ['open', 'in_progress', 'reopened'] as const;
const FIXED_STATUSES = ['resolved', 'closed'] as const;

/**
 * The defect a run of this signature (same project) is linked to: an open, in progress or reopened one
 * first (the newest run's), else a resolved or closed one (linking reopens it, as the verification loop does).
 */
export async function signatureDefect(tx: Tx, run: Pick<CaseRun, 'id' | 'signature' | 'project'>): Promise<string | null> {
  if (!run.signature) return null;
  for (const statuses of [ACTIVE_STATUSES, FIXED_STATUSES]) {
    const [row] = await tx.$queryRaw<{ defectId: string }[]>(Prisma.sql`
      SELECT l."defectId" FROM (
        SELECT id, "ranAt" FROM "CaseRun"
        WHERE signature = ${run.signature} AND project IS NOT DISTINCT FROM ${run.project} AND id <> ${run.id}::uuid
        ORDER BY "ranAt" DESC LIMIT ${LOOKBACK}
      ) r
      JOIN "DefectCaseRun" l ON l."caseRunId" = r.id
      JOIN "Defect" d ON d.id = l."defectId"
      WHERE d.status::text IN (${Prisma.join([...statuses])})
      ORDER BY r."ranAt" DESC, d.number ASC LIMIT 1`);
    if (row) return row.defectId;
  }
  return null;
}

/** Links the run to the defect for triage: a history entry saying why, then the usual link (a fixed defect reopens). */
export async function triageLink(tx: Tx, defectId: string, run: CaseRun, note: string): Promise<{ before: Defect; after: Defect }> {
  const before = await lockDefect(tx, defectId);
  await tx.statusChange.create({ data: { defectId, from: before.status, to: before.status, actor: TRIAGE_ACTOR, causeCaseRunId: run.id, note, at: new Date() } });
  const after = await linkRuns(tx, before, [run], TRIAGE_ACTOR);
  return { before, after };
}

/** Triage of a failed run just recorded (and not linked by the verification loop). */
export async function triageRun(tx: Tx, run: CaseRun, auto: ProjectTriage | undefined): Promise<TriageOutcome> {
  if (run.status !== 'failed' || !run.signature) return { answer: null, changed: null };
  if (auto && run.project) await recordFirstSighting(tx, run.project, run.signature, run.launch);

  const bySignature = await signatureDefect(tx, run);
  if (bySignature) {
    const { before, after } = await triageLink(tx, bySignature, run, `linked run ${run.id} by signature ${run.signature}`);
    return { answer: { defect: formatDefectKey(after.number), by: 'signature' }, changed: after.status !== before.status ? after : null };
  }
  const byMatcher = await matcherDefect(tx, run);
  if (byMatcher) {
    const { before, after } = await triageLink(tx, byMatcher.defectId, run, `linked run ${run.id} by matcher ${byMatcher.matcherId}`);
    return { answer: { defect: formatDefectKey(after.number), by: 'matcher' }, changed: after.status !== before.status ? after : null };
  }
  if (!auto || !run.project) return { answer: null, changed: null };
  return { answer: await candidate(tx, run as CaseRun & { project: string; signature: string }, auto), changed: null };
}

/** A signature's first sighting in the project: what the storm breaker counts as new in a launch. */
async function recordFirstSighting(tx: Tx, project: string, signature: string, launch: string): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "TriageSignature" (project, signature, "firstLaunch") VALUES (${project}, ${signature}, ${launch})
    ON CONFLICT DO NOTHING`;
}

/**
 * The project's n-of-m rule for this failure; when it holds, the launch's candidate for the signature.
 * The upsert waits for a decision under way on the same candidate, so a run that comes in while its
 * signature's defect is being raised is linked to that defect rather than left untriaged.
 */
async function candidate(tx: Tx, run: CaseRun & { project: string; signature: string }, auto: ProjectTriage): Promise<TriageAnswer | null> {
  const recent = await tx.caseRun.findMany({
    where: { testCase: run.testCase, project: run.project },
    orderBy: [{ ranAt: 'desc' }, { createdAt: 'desc' }],
    take: auto.ofRuns,
    select: { status: true, signature: true },
  });
  if (!meetsFailureRule(recent, run.signature, auto)) return null;
  const [c] = await tx.$queryRaw<{ state: string; defectId: string | null; incidentId: string | null }[]>`
    INSERT INTO "TriageCandidate" (project, launch, signature, "caseRunId") VALUES (${run.project}, ${run.launch}, ${run.signature}, ${run.id}::uuid)
    ON CONFLICT (project, launch, signature) DO UPDATE SET signature = EXCLUDED.signature
    RETURNING state::text AS state, "defectId", "incidentId"`;
  if (c!.state === 'held' && c!.incidentId) return { defect: null, by: 'held', incident: c!.incidentId };
  if (c!.state === 'done' && c!.defectId) {
    const { after } = await triageLink(tx, c!.defectId, run, `linked run ${run.id} by signature ${run.signature}`);
    return { defect: formatDefectKey(after.number), by: 'signature' };
  }
  return { defect: null, by: 'pending' };
}
