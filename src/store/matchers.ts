// Matchers (issue 16 part 1): per defect, RE2 regexes on a failure's message and test case that link future
// failures to it. Tried when a failure's signature found no defect, oldest matcher first. A matcher of a
// defect with a project catches only that project's failures.
import type { CaseRun, Matcher } from '../generated/prisma/client.ts';
import type { PrismaClient, Tx } from '../db.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { regexFinds } from '../domain/regex.ts';
import { findDefect } from './find.ts';
import { notFound } from '../errors.ts';
import { caseRunView } from './views.ts';

export type NewMatcher = { message?: string | undefined; testCase?: string | undefined };
export type PreviewQuery = NewMatcher & { since?: Date | undefined; limit?: number | undefined };

/** How many recent failures a preview reads at most (newest first), and how many it lists. */
export const PREVIEW_SCAN = 5000;
export const PREVIEW_LIMIT = 100;

type Rule = Pick<Matcher, 'message' | 'testCase'>;

/** True when every regex the matcher has matches (the message regex against the whole message). */
export function catches(rule: Rule, run: Pick<CaseRun, 'message' | 'testCase'>): boolean {
  if (rule.message !== null && !regexFinds(rule.message, run.message ?? '')) return false;
  if (rule.testCase !== null && !regexFinds(rule.testCase, run.testCase)) return false;
  return rule.message !== null || rule.testCase !== null;
}

/** The first matcher (oldest) that catches the run, and its defect. */
export async function matcherDefect(tx: Tx, run: CaseRun): Promise<{ matcherId: string; defectId: string } | null> {
  const matchers = await tx.matcher.findMany({
    where: { OR: [{ defect: { project: null } }, { defect: { project: run.project } }] },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, defectId: true, message: true, testCase: true },
  });
  const hit = matchers.find((m) => catches(m, run));
  return hit ? { matcherId: hit.id, defectId: hit.defectId } : null;
}

export function matcherView(m: Matcher, defectNumber: number) {
  return { id: m.id, defect: formatDefectKey(defectNumber), message: m.message, testCase: m.testCase, actor: m.actor, createdAt: m.createdAt.toISOString() };
}

export class MatcherStore {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async create(idOrKey: string, rule: NewMatcher, actor: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const m = await this.prisma.matcher.create({ data: { defectId: defect.id, message: rule.message ?? null, testCase: rule.testCase ?? null, actor } });
    return matcherView(m, defect.number);
  }

  async list(idOrKey: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const rows = await this.prisma.matcher.findMany({ where: { defectId: defect.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((m) => matcherView(m, defect.number));
  }

  async delete(idOrKey: string, id: string): Promise<void> {
    const defect = await findDefect(this.prisma, idOrKey);
    const { count } = await this.prisma.matcher.deleteMany({ where: { id, defectId: defect.id } });
    if (count === 0) throw notFound('matcher', id);
  }

  /**
   * The recent failures (since `since`, newest first, at most PREVIEW_SCAN read) the rule would catch,
   * whether or not they are linked to a defect already.
   */
  async preview(q: PreviewQuery) {
    const rule = { message: q.message ?? null, testCase: q.testCase ?? null };
    const runs = await this.prisma.caseRun.findMany({
      where: { status: 'failed', ...(q.since && { ranAt: { gte: q.since } }) },
      orderBy: [{ ranAt: 'desc' }, { id: 'desc' }],
      take: PREVIEW_SCAN,
      include: { defects: { include: { defect: { select: { number: true } } } } },
    });
    const caught = runs.filter((r) => catches(rule, r));
    const limit = q.limit ?? PREVIEW_LIMIT;
    return {
      scanned: runs.length,
      matched: caught.length,
      data: caught.slice(0, limit).map((r) => ({ ...caseRunView(r), defects: r.defects.map((l) => formatDefectKey(l.defect.number)) })),
    };
  }
}
