// Test evidence on the ticket (issue 15 part 3). When the verification loop reopens a defect, its tickets get
// one comment saying why (test case, launch, time, the failure's first line); when passing runs close it, one
// comment listing the runs that verified it. Written as a defect comment (author "Defect Sync verification")
// in the verification's own transaction, so it travels the comment outbound path with its outbox row; the
// comment's evidenceKey (`reopen:<launch>`, `close:<launch>`) is unique per defect, so one launch never gives
// a second such comment, and CommentLink makes it one per ticket. Connections with `evidenceComments: false`
// are skipped by the comment sync. The link back to the defect is added by the sync (it knows PUBLIC_URL).
import type { CaseRun, Defect } from '../generated/prisma/client.ts';
import { Prisma, type Tx } from '../db.ts';
import { VERIFICATION_ACTOR } from '../domain/actors.ts';
import { commentOutbox } from './comments.ts';

export const EVIDENCE_AUTHOR = 'Defect Sync verification';

const firstLine = (message: string | null) => (message ?? '').split(/\r?\n/, 1)[0]!.trim();
const when = (run: Pick<CaseRun, 'ranAt'>) => run.ranAt.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function reopenBody(run: Pick<CaseRun, 'testCase' | 'launch' | 'ranAt' | 'message'>): string {
  const line = firstLine(run.message);
  return [`Reopened: \`${run.testCase}\` failed again in launch \`${run.launch}\` at ${when(run)}.`, ...(line ? [`> ${line}`] : [])].join('\n\n');
}

export function closeBody(runs: readonly Pick<CaseRun, 'testCase' | 'launch' | 'ranAt'>[]): string {
  return ['Verified and closed: the latest run of every linked test case passed.', runs.map((r) => `- \`${r.testCase}\` passed in launch \`${r.launch}\` at ${when(r)}`).join('\n')].join('\n\n');
}

/** Adds the evidence comment unless one exists for this defect and key; answers whether it was added. */
export async function addEvidence(tx: Tx, defect: Defect, key: string, body: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string; version: number }[]>`
    INSERT INTO "Comment" (id, "defectId", body, "authorName", "evidenceKey", "updatedAt")
    VALUES (gen_random_uuid(), ${defect.id}::uuid, ${body}, ${EVIDENCE_AUTHOR}, ${key}, now())
    ON CONFLICT ("defectId", "evidenceKey") DO NOTHING
    RETURNING id::text, version`;
  const made = rows[0];
  if (!made) return false;
  await commentOutbox(tx, defect.id, made.id, made.version, VERIFICATION_ACTOR);
  return true;
}

/** The latest run of each test case linked to the defect (the runs that verified a close). */
export async function verifyingRuns(tx: Tx, defectId: string): Promise<CaseRun[]> {
  return tx.$queryRaw<CaseRun[]>(Prisma.sql`
    SELECT latest.* FROM (
      SELECT DISTINCT lr."testCase" FROM "DefectCaseRun" l JOIN "CaseRun" lr ON lr.id = l."caseRunId" WHERE l."defectId" = ${defectId}::uuid
    ) t
    CROSS JOIN LATERAL (
      SELECT r.* FROM "CaseRun" r WHERE r."testCase" = t."testCase" ORDER BY r."ranAt" DESC, r."createdAt" DESC LIMIT 1
    ) latest
    ORDER BY latest."testCase"`);
}
