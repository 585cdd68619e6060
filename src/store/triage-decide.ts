// Automatic defects and the storm breaker (issue 16 part 2). A failure that met its project's n-of-m rule
// left a candidate (src/store/triage.ts); once its launch has been quiet for the project's settleMs, the
// launch is judged whole: more than stormThreshold new signatures, or stormRatio of its runs failed, is a
// storm: one incident holds every candidate back (and `triage.incident` goes to the hooks, in the
// incident's transaction); otherwise each candidate is raised as a defect with all the launch's untriaged
// failures of its signature linked. Releasing an incident raises what it held.
//
// Locks, always in this order: the launch (an advisory lock: one judge at a time), then per candidate in
// a transaction of its own the signature (one defect per signature), then defect rows. Recording a run
// takes no triage lock, so it never waits for a judge except on the one candidate row it upserts.
import type { Defect } from '../generated/prisma/client.ts';
import { Prisma, type PrismaClient, type Tx } from '../db.ts';
import { TRIAGE_ACTOR } from '../domain/actors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { severityFor, stormVerdict, titleFromSignature, type LaunchCounts, type ProjectTriage, type TriageConfig } from '../domain/triage.ts';
import { recordHookEvent } from '../hooks/events.ts';
import { inTransaction } from './defect-changes.ts';
import { insertDefect } from './defect-insert.ts';
import { linkRuns } from './case-run-links.ts';
import { lockDefect } from './find.ts';
import { signatureDefect } from './triage.ts';

/** An approval this old that raised nothing was abandoned; the pass raises it. */
const ABANDONED_MS = 60_000;

export type TopSignature = { signature: string; text: string; count: number };

async function lockLaunch(tx: Tx, project: string, launch: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`triage-launch/${project}/${launch}`}, 0))`;
}

async function lockSignature(tx: Tx, project: string, signature: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`triage-signature/${project}/${signature}`}, 0))`;
}

/** The launch's runs, failures and new signatures (first seen in it), and its most frequent failures. */
export async function launchCounts(db: Tx | PrismaClient, project: string, launch: string): Promise<LaunchCounts & { topSignatures: TopSignature[] }> {
  const [runs] = await db.$queryRaw<{ runs: number; failed: number }[]>`
    SELECT count(*)::int AS runs, (count(*) FILTER (WHERE status = 'failed'))::int AS failed FROM "CaseRun" WHERE project = ${project} AND launch = ${launch}`;
  const [fresh] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "TriageSignature" WHERE project = ${project} AND "firstLaunch" = ${launch}`;
  const top = await db.$queryRaw<TopSignature[]>`
    SELECT signature, min("signatureText") AS text, count(*)::int AS count FROM "CaseRun"
    WHERE project = ${project} AND launch = ${launch} AND status = 'failed' AND signature IS NOT NULL
    GROUP BY signature ORDER BY count(*) DESC, signature LIMIT 5`;
  return { runs: runs!.runs, failed: runs!.failed, newSignatures: fresh!.n, topSignatures: top };
}

type Judged = { incident: string | null; raised: string[] };

/**
 * Judges the launch's pending candidates (the caller checked it is quiet): held by its open incident, held
 * by a new one if the launch is a storm, else raised.
 */
export async function decideLaunch(prisma: PrismaClient, cfg: ProjectTriage, project: string, launch: string): Promise<Judged> {
  const incident = await inTransaction(prisma, async (tx) => {
    await lockLaunch(tx, project, launch);
    const pending = await tx.triageCandidate.findMany({ where: { project, launch, state: 'pending' }, select: { signature: true } });
    if (pending.length === 0) return null;
    const where = { project, launch, state: 'pending' as const };
    const existing = await tx.triageIncident.findUnique({ where: { project_launch: { project, launch } } });
    if (existing?.status === 'open') {
      await tx.triageCandidate.updateMany({ where, data: { state: 'held', incidentId: existing.id, decidedAt: new Date() } });
      const counts = await launchCounts(tx, project, launch);
      await tx.triageIncident.update({ where: { id: existing.id }, data: { runs: counts.runs, failed: counts.failed, newSignatures: counts.newSignatures, topSignatures: counts.topSignatures } });
      return existing.id;
    }
    if (!existing) {
      const counts = await launchCounts(tx, project, launch);
      const reason = stormVerdict(counts, cfg);
      if (reason) {
        const created = await tx.triageIncident.create({
          data: { project, launch, reason, runs: counts.runs, failed: counts.failed, newSignatures: counts.newSignatures, topSignatures: counts.topSignatures },
        });
        await tx.triageCandidate.updateMany({ where, data: { state: 'held', incidentId: created.id, decidedAt: new Date() } });
        await recordHookEvent(tx, ['triage.incident'], created.id, { project, launch, reason, runs: counts.runs, failed: counts.failed, newSignatures: counts.newSignatures, held: pending.length });
        return created.id;
      }
    }
    // No storm, or a released incident: a person said this launch's failures are real.
    await tx.triageCandidate.updateMany({ where, data: { state: 'approved', decidedAt: new Date() } });
    return null;
  });
  if (incident) return { incident, raised: [] };
  return { incident: null, raised: await raiseApproved(prisma, cfg, project, launch) };
}

/** Raises every approved candidate of the launch, each in its own transaction; returns the defects' keys. */
export async function raiseApproved(prisma: PrismaClient, cfg: ProjectTriage | undefined, project: string, launch: string, note = ''): Promise<string[]> {
  const approved = await prisma.triageCandidate.findMany({ where: { project, launch, state: 'approved' }, orderBy: { signature: 'asc' }, select: { signature: true } });
  const raised: string[] = [];
  for (const { signature } of approved) {
    const key = await inTransaction(prisma, (tx) => raiseOne(tx, cfg, project, launch, signature, note));
    if (key) raised.push(key);
  }
  return raised;
}

async function raiseOne(tx: Tx, cfg: ProjectTriage | undefined, project: string, launch: string, signature: string, note: string): Promise<string | null> {
  await lockSignature(tx, project, signature);
  // The row lock makes a run upserting this candidate meanwhile wait, then see the defect (src/store/triage.ts).
  const [c] = await tx.$queryRaw<{ caseRunId: string; state: string; defectNumber: number | null }[]>`
    SELECT c."caseRunId", c.state::text AS state, d.number AS "defectNumber" FROM "TriageCandidate" c LEFT JOIN "Defect" d ON d.id = c."defectId"
    WHERE c.project = ${project} AND c.launch = ${launch} AND c.signature = ${signature} FOR UPDATE OF c`;
  // Another worker's pass raised it a moment ago (it waited for that pass's signature lock): its defect.
  if (c?.state === 'done' && c.defectNumber !== null) return formatDefectKey(c.defectNumber);
  if (!c || c.state !== 'approved') return null;
  const first = await tx.caseRun.findUniqueOrThrow({ where: { id: c.caseRunId } });
  // The launch's failures of the signature, and the earlier failures of the first run's test case that met
  // the rule with it (2 of 3: the one two launches ago too), where no defect has them yet.
  const recent = cfg
    ? await tx.caseRun.findMany({ where: { project, testCase: first.testCase }, orderBy: [{ ranAt: 'desc' }, { createdAt: 'desc' }], take: cfg.ofRuns, select: { id: true } })
    : [];
  const untriaged = await tx.caseRun.findMany({
    where: { project, signature, status: 'failed', defects: { none: {} }, OR: [{ launch }, { id: { in: recent.map((r) => r.id) } }] },
    orderBy: [{ ranAt: 'asc' }, { id: 'asc' }],
  });
  const existing = await signatureDefect(tx, { id: '00000000-0000-0000-0000-000000000000', signature, project });
  let defect: Defect;
  if (existing) {
    // The signature got a defect since (a person raised one, another launch's candidate): join it.
    defect = await lockDefect(tx, existing);
    if (untriaged.length) {
      await tx.statusChange.create({ data: { defectId: defect.id, from: defect.status, to: defect.status, actor: TRIAGE_ACTOR, causeCaseRunId: untriaged[0]!.id, note: `linked ${untriaged.length} run(s) of launch ${launch} by signature ${signature}${note}`, at: new Date() } });
      defect = await linkRuns(tx, defect, untriaged, TRIAGE_ACTOR);
    }
  } else {
    const runs = untriaged.some((r) => r.id === first.id) ? untriaged : [first, ...untriaged.filter((r) => r.id !== first.id)];
    const rule = cfg ? `; it failed ${cfg.afterFailures} or more of the last ${cfg.ofRuns} runs of ${first.testCase}` : '';
    defect = await insertDefect(
      tx,
      {
        title: titleFromSignature(first.signatureText ?? '', first.testCase),
        description: describe(first, signature, runs.length, rule),
        severity: cfg ? severityFor(first.testCase, cfg.severity, cfg.defaultSeverity) : 'medium',
        project,
        caseRunIds: runs.map((r) => r.id),
      },
      TRIAGE_ACTOR,
      `raised from signature ${signature} (launch ${launch}${rule})${note}`,
    );
  }
  await tx.triageCandidate.update({ where: { project_launch_signature: { project, launch, signature } }, data: { state: 'done', defectId: defect.id, decidedAt: new Date() } });
  return formatDefectKey(defect.number);
}

function describe(first: { testCase: string; launch: string; message: string | null; signatureText: string | null }, signature: string, runs: number, rule: string): string {
  const indent = (s: string) => s.split('\n').map((l) => `    ${l}`).join('\n');
  const message = (first.message ?? '').split(/\r?\n/).slice(0, 30).join('\n');
  return [
    `Raised by failure triage: signature ${signature}${rule}. ${runs} failure(s) of launch ${first.launch} linked.`,
    '',
    'Signature:',
    '',
    indent(first.signatureText ?? ''),
    '',
    `First failure (${first.testCase}):`,
    '',
    indent(message),
  ].join('\n');
}

/** Launches whose pending candidates have waited out their project's settleMs since the launch's last run. */
export async function settledLaunches(prisma: PrismaClient, triage: TriageConfig, now = Date.now()): Promise<{ project: string; launch: string }[]> {
  const rows = await prisma.$queryRaw<{ project: string; launch: string; lastRunAt: Date | null }[]>(Prisma.sql`
    SELECT c.project, c.launch, (SELECT max(r."createdAt") FROM "CaseRun" r WHERE r.project = c.project AND r.launch = c.launch) AS "lastRunAt"
    FROM (SELECT DISTINCT project, launch FROM "TriageCandidate" WHERE state = 'pending') c`);
  return rows.filter((r) => {
    const cfg = triage.projects[r.project];
    return cfg && (!r.lastRunAt || now - r.lastRunAt.getTime() >= cfg.settleMs);
  });
}

/** One pass of the triage worker: judge the quiet launches, and finish raising what a crash left approved. */
export async function triagePass(prisma: PrismaClient, triage: TriageConfig): Promise<Judged[]> {
  const out: Judged[] = [];
  for (const { project, launch } of await settledLaunches(prisma, triage)) out.push(await decideLaunch(prisma, triage.projects[project]!, project, launch));
  // Approved a while ago and still not raised: whoever approved them stopped half way (a crash).
  const left = await prisma.triageCandidate.findMany({
    where: { state: 'approved', decidedAt: { lt: new Date(Date.now() - ABANDONED_MS) } },
    distinct: ['project', 'launch'],
    select: { project: true, launch: true },
  });
  for (const { project, launch } of left) out.push({ incident: null, raised: await raiseApproved(prisma, triage.projects[project], project, launch) });
  return out;
}
