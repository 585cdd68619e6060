// The defect lifecycle as data: one table says which moves are legal, so the API, the
// verification loop and (later) inbound tracker updates all obey the same rules.

export const DEFECT_STATUSES = ['open', 'in_progress', 'resolved', 'closed', 'reopened'] as const;
export type DefectStatus = (typeof DEFECT_STATUSES)[number];

/**
 * Allowed moves. Besides the product's core path (open → in progress → resolved → closed,
 * resolved/closed → reopened → in progress/resolved), these were decided:
 * - open/in_progress/reopened → closed: triage closes duplicates and won't-fix defects without a fix.
 * - in_progress → open puts a defect back in the queue ("stop work"); reopened → open is not allowed,
 *   because a reopened defect must stay visibly reopened until someone picks it up again.
 * - resolved → in_progress is not allowed: a resolution that did not hold is a reopen, which the
 *   history and the verification loop must see.
 * - closed → resolved is not allowed: a closed defect comes back only by reopening.
 */
const TRANSITIONS: Record<DefectStatus, readonly DefectStatus[]> = {
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['open', 'resolved', 'closed'],
  resolved: ['closed', 'reopened'],
  closed: ['reopened'],
  reopened: ['in_progress', 'resolved', 'closed'],
};

export function allowedTransitions(from: DefectStatus): readonly DefectStatus[] {
  return TRANSITIONS[from];
}

export type TransitionCheck =
  | { ok: true; changed: boolean }
  | { ok: false; from: DefectStatus; to: DefectStatus; allowed: readonly DefectStatus[] };

/** Staying in the same status is a no-op, never an error. */
export function checkTransition(from: DefectStatus, to: DefectStatus): TransitionCheck {
  if (from === to) return { ok: true, changed: false };
  if (TRANSITIONS[from].includes(to)) return { ok: true, changed: true };
  return { ok: false, from, to, allowed: TRANSITIONS[from] };
}

/** Resolved and closed defects count as fixed: readiness ignores them, a new failure reopens them. */
export function isFixed(status: DefectStatus): boolean {
  return status === 'resolved' || status === 'closed';
}

/**
 * The moves a tracker's status means for a defect in `current` status (inbound sync), in order, each a
 * legal move: a not-done state on a fixed defect is a reopen (never a silent step back), and a fixed
 * defect a person took up again (in progress) is reopened, then in progress, so the ticket stays where
 * the person put it and the history shows both; done on an open one resolves or closes it; otherwise the
 * status itself, when the lifecycle allows the move. [] when it is the same status. Null: the move makes
 * no sense (e.g. closed → resolved) and the ticket should be brought back to the defect's status instead.
 */
export function inboundStatusPath(current: DefectStatus, remote: DefectStatus): DefectStatus[] | null {
  if (current === remote) return [];
  if (isFixed(current) && !isFixed(remote)) return remote === 'in_progress' ? ['reopened', 'in_progress'] : ['reopened'];
  return TRANSITIONS[current].includes(remote) ? [remote] : null;
}
