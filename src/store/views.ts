// The API's JSON shapes, in one place.
import type { CaseRun, Defect, StatusChange, TrackerLink } from '../generated/prisma/client.ts';
import { formatDefectKey } from '../domain/defect-key.ts';

export function defectView(d: Defect) {
  return {
    id: d.id,
    key: formatDefectKey(d.number),
    title: d.title,
    description: d.description,
    severity: d.severity,
    status: d.status,
    assignee: d.assignee,
    milestone: d.milestone,
    tags: d.tags,
    project: d.project,
    version: d.version,
    fieldChangedAt: d.fieldChangedAt,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function caseRunView(r: CaseRun) {
  return {
    id: r.id,
    launch: r.launch,
    testCase: r.testCase,
    status: r.status,
    message: r.message,
    project: r.project,
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    ranAt: r.ranAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    /** The failure signature (failed runs with a message; null otherwise) and the normalised text it hashes. */
    signature: r.signature,
    signatureText: r.signatureText,
  };
}

/** The columns of a link the API shows. */
export type LinkShown = Pick<TrackerLink, 'connection' | 'tracker' | 'remoteId' | 'key' | 'url' | 'syncState' | 'lastError' | 'attempts' | 'lastAttemptAt' | 'lastSyncedAt' | 'nextAttemptAt' | 'warnings'>;

/** Links are shown without the stored snapshot: that is sync-engine state, not API surface. */
export function linkView(l: LinkShown) {
  return {
    connection: l.connection,
    tracker: l.tracker,
    remoteId: l.remoteId,
    key: l.key,
    url: l.url,
    syncState: l.syncState,
    lastError: l.lastError,
    /** Failed attempts since the last success. */
    attempts: l.attempts,
    lastAttemptAt: l.lastAttemptAt?.toISOString() ?? null,
    lastSyncedAt: l.lastSyncedAt?.toISOString() ?? null,
    /** When the next automatic attempt is due after a transient failure; null when none is planned. */
    nextAttemptAt: l.nextAttemptAt?.toISOString() ?? null,
    /** What the last sync could not carry over (e.g. an assignee missing from the people mapping). */
    warnings: l.warnings,
  };
}

export function statusChangeView(h: StatusChange) {
  return { from: h.from, to: h.to, actor: h.actor, causeCaseRunId: h.causeCaseRunId, note: h.note, at: h.at.toISOString() };
}

/**
 * A defect with its case runs, links and history as the API shows it (runs and history oldest first,
 * the newest ones the caller chose, with their totals): one shape, whether read back or just written.
 */
export function defectDetailView(
  d: Defect,
  p: { runs: readonly CaseRun[]; caseRunCount: number; links: readonly LinkShown[]; history: readonly StatusChange[]; historyCount: number },
) {
  return {
    ...defectView(d),
    caseRuns: p.runs.map(caseRunView),
    caseRunCount: p.caseRunCount,
    links: p.links.map(linkView),
    history: p.history.map(statusChangeView),
    historyCount: p.historyCount,
  };
}

export type DefectView = ReturnType<typeof defectView>;
