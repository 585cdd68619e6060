// Defect use cases over the store. Every write runs in one transaction with its outbox row.
import type { PrismaClient, Tx } from '../db.ts';
import type { Defect } from '../generated/prisma/client.ts';
import { normalizeTags, type DefectPatch } from '../domain/defect-fields.ts';
import type { Severity } from '../domain/severity.ts';
import type { DefectStatus } from '../domain/lifecycle.ts';
import { titleFromFailedRun } from '../domain/verification.ts';
import { applyDefectChange, inTransaction, isConcurrentUpdate } from './defect-changes.ts';
import { insertDefect, type InsertedDefect, type NewDefect } from './defect-insert.ts';
import { findCaseRun, findDefect, lockDefect } from './find.ts';
import { linkRuns, loadFailedRuns, requireFailed } from './case-run-links.ts';

export type { NewDefect };
import { defectDetailView, defectView } from './views.ts';
import { readDetailParts } from './defect-detail.ts';

/** How many case runs and history entries a defect's detail shows (the newest; totals alongside). */
export const DETAIL_LIMIT = 100;


export type DefectFilter = {
  status?: DefectStatus[];
  severity?: Severity[];
  assignee?: string;
  milestone?: string;
  tag?: string;
  project?: string;
};

export class DefectStore {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async create(input: NewDefect, actor: string) {
    // The view from what the insert returned, not five reads after it: a new defect has no links yet,
    // one history entry, and the runs it was given (profiled: the reads were most of the create's cost).
    // One statement, its own transaction (insertDefect).
    return newDefectDetail(await insertDefect(this.prisma, input, actor));
  }

  /**
   * Raises a defect from a failed run: title from the test case and failure message, the run linked, and
   * the run's project unless the request names one (null: none).
   */
  async createFromCaseRun(caseRunId: string, actor: string, opts: { project?: string | null } = {}) {
    const defect = await inTransaction(this.prisma, async (tx) => {
      const run = await findCaseRun(tx, caseRunId);
      requireFailed(run, 'caseRunId');
      const project = opts.project !== undefined ? opts.project : run.project;
      return insertDefect(tx, { title: titleFromFailedRun(run.testCase, run.message), project, caseRunIds: [run.id] }, actor);
    });
    return newDefectDetail(defect);
  }

  async update(idOrKey: string, patch: DefectPatch, opts: { actor: string; expectedVersion?: number }) {
    // First without a transaction: the defect read without a lock, and the write (one statement, its own
    // transaction) made only if the defect is still at the version read: three statements where a
    // transaction took six. Should another writer get in between, the edit waits its turn under the row
    // lock instead (edits of one defect at once queue up rather than retry each other out). The view
    // shows this write's row; its parts (runs, links, history) are read just after it.
    const normalized = patch.tags ? { ...patch, tags: normalizeTags(patch.tags) } : patch;
    const write = (db: Tx | PrismaClient, current: Defect) => applyDefectChange(db, current, normalized, opts);
    const written = await write(this.prisma, await findDefect(this.prisma, idOrKey)).catch((err: unknown) => {
      if (!isConcurrentUpdate(err)) throw err;
      return inTransaction(this.prisma, async (tx) => write(tx, await lockDefect(tx, idOrKey)));
    });
    return this.detail(written.defect);
  }

  async linkCaseRun(idOrKey: string, caseRunId: string, actor: string) {
    return inTransaction(this.prisma, async (tx) => {
      const current = await lockDefect(tx, idOrKey);
      const runs = await loadFailedRuns(tx, [caseRunId], () => 'caseRunId');
      const after = await linkRuns(tx, current, runs, actor);
      return { created: after.version !== current.version, defect: await this.detail(after, tx) };
    });
  }

  async get(idOrKey: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    return this.detail(defect);
  }

  async list(filter: DefectFilter, page: { limit: number; cursor?: number }) {
    const rows = await this.prisma.defect.findMany({
      where: {
        ...(filter.status && { status: { in: filter.status } }),
        ...(filter.severity && { severity: { in: filter.severity } }),
        ...(filter.assignee !== undefined && { assignee: filter.assignee }),
        ...(filter.milestone !== undefined && { milestone: filter.milestone }),
        ...(filter.tag !== undefined && { tags: { has: filter.tag } }),
        ...(filter.project !== undefined && { project: filter.project }),
        ...(page.cursor !== undefined && { number: { lt: page.cursor } }),
      },
      orderBy: { number: 'desc' },
      take: page.limit + 1,
    });
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    return { items: items.map(defectView), nextCursor: more ? items.at(-1)!.number : null };
  }

  /**
   * The defect as the API shows it, with the newest DETAIL_LIMIT case runs and history entries (oldest
   * first) and the totals, in one statement. Bounded because writes return it from inside their
   * transaction. `d` is the row the caller already holds (just read, or returned by its own write): not read again.
   */
  private async detail(d: Defect, db: Tx | PrismaClient = this.prisma) {
    return defectDetailView(d, await readDetailParts(db, d.id, DETAIL_LIMIT));
  }
}

/**
 * What detail() reads for a defect just inserted, from the insert itself: the newest DETAIL_LIMIT of its
 * runs in detail's order (all linked at once, so by id), no links, its one history entry.
 */
function newDefectDetail(d: InsertedDefect) {
  const runs = [...d.linkedRuns].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, DETAIL_LIMIT).reverse();
  return defectDetailView(d, { runs, caseRunCount: d.linkedRuns.length, links: [], history: d.history, historyCount: d.history.length });
}
