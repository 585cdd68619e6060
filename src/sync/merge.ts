// Two-way sync of one ticket, field by field (pure). Three versions of each field meet: the defect's
// (as the tracker would show it), the ticket's as read now, and the snapshot both sides held after the
// last sync. A side that differs from the snapshot changed since; the other side follows it. When both
// changed to different values, the later change wins, by the defect's own stamp for that field and the
// tracker's time for that field's change; equal times keep the defect's value. A field's direction
// limits who may change whom: an `outbound` field never takes the ticket's value, an `inbound` field is
// never written to the ticket, an `off` field is left alone on both sides.
import { TICKET_FIELDS, type TicketField, type TicketFields } from '../../connectors/contract.ts';
import type { Direction } from './sync-config.ts';

export type Winner = 'defect' | 'tracker';

/** A field both sides changed to different values since the last sync, and who won. */
export type ConflictDecision = {
  field: TicketField;
  defectValue: TicketFields[TicketField];
  remoteValue: TicketFields[TicketField];
  defectChangedAt: Date | null;
  remoteChangedAt: Date | null;
  winner: Winner;
};

export type MergeInput = {
  /** The defect's fields, canonical (as the tracker would give them back). */
  local: TicketFields;
  /** The ticket's fields as read now, canonical. */
  remote: TicketFields;
  /** What both sides held after the last sync; null when unknown (the defect's values then win). */
  base: TicketFields | null;
  directions: Readonly<Record<TicketField, Direction>>;
  /** When each field last changed on the defect (its fieldChangedAt stamps). */
  localTimes: Readonly<Partial<Record<TicketField, Date>>>;
  /** When each field last changed in the tracker, for the fields in conflict (see conflictingFields). */
  remoteTimes: Readonly<Partial<Record<TicketField, Date>>>;
  /** Fields whose remote value cannot be taken (e.g. an assignee missing from the people mapping). */
  ignoreRemote?: ReadonlySet<TicketField>;
};

export type MergeResult = {
  /** Fields to write to the ticket (their defect values). */
  push: Set<TicketField>;
  /** Values to apply to the defect, taken from the ticket. */
  pull: Partial<TicketFields>;
  conflicts: ConflictDecision[];
  /** What both sides hold once push and pull are done: the next snapshot. */
  next: TicketFields;
};

const mayPush = (d: Direction) => d === 'both' || d === 'outbound';
const mayPull = (d: Direction) => d === 'both' || d === 'inbound';

function same(a: unknown, b: unknown): boolean {
  return a === b;
}

function changes(input: MergeInput, field: TicketField) {
  const { local, remote, base, directions, ignoreRemote } = input;
  const direction = directions[field];
  const localChanged = mayPush(direction) && (!base || !same(local[field], base[field]));
  const remoteChanged = mayPull(direction) && !!base && !ignoreRemote?.has(field) && !same(remote[field], base[field]);
  return { localChanged, remoteChanged };
}

/** Fields both sides changed to different values: the engine fetches the tracker's times only for these. */
export function conflictingFields(input: Omit<MergeInput, 'remoteTimes' | 'localTimes'>): TicketField[] {
  const full = { ...input, remoteTimes: {}, localTimes: {} };
  return TICKET_FIELDS.filter((f) => {
    const { localChanged, remoteChanged } = changes(full, f);
    return localChanged && remoteChanged && !same(input.local[f], input.remote[f]);
  });
}

/**
 * The later change wins; a tie, or a tracker that cannot say when, keeps the defect's value. Times are
 * compared at the coarser resolution of the two: GitHub keeps whole seconds, so its 10:00:05 is any time
 * in that second, and a defect stamp of 10:00:05.300 (or a Jira time) within it is a tie, not a loss for
 * whichever side happened to keep milliseconds. A time on a whole second is taken as whole-second
 * resolution (a millisecond clock lands there once in a thousand, and then it is only treated as a tie).
 */
export function laterWins(defectAt: Date | null, remoteAt: Date | null): Winner {
  if (!remoteAt) return 'defect';
  if (!defectAt) return 'tracker';
  const step = Math.max(resolutionMs(defectAt), resolutionMs(remoteAt));
  return Math.floor(remoteAt.getTime() / step) > Math.floor(defectAt.getTime() / step) ? 'tracker' : 'defect';
}

const resolutionMs = (at: Date): number => (at.getTime() % 1000 === 0 ? 1000 : 1);

/**
 * The base a first link of an existing ticket starts from. The ticket as read is the base, so wherever
 * the defect says something different it is the defect's change and is written to the ticket, except
 * where the defect says nothing (no description, no assignee): an empty field is not a change, so the
 * base takes the defect's empty value and the ticket's text or assignee comes into the defect instead of
 * being wiped.
 */
export function firstLinkBase(local: TicketFields, remote: TicketFields): TicketFields {
  const base = { ...remote };
  if (local.description.trim() === '') base.description = local.description;
  if (local.assignee === null) base.assignee = null;
  return base;
}

export function mergeTicket(input: MergeInput): MergeResult {
  const { local, remote, base } = input;
  const push = new Set<TicketField>();
  const pull: Partial<Record<TicketField, unknown>> = {};
  const conflicts: ConflictDecision[] = [];
  const next = { ...(base ?? remote) } as Record<TicketField, unknown>;

  for (const field of TICKET_FIELDS) {
    const { localChanged, remoteChanged } = changes(input, field);
    let winner: Winner | null = null;
    if (localChanged && remoteChanged) {
      if (same(local[field], remote[field])) {
        next[field] = local[field]; // both made the same change: nothing to send either way
        continue;
      }
      const defectChangedAt = input.localTimes[field] ?? null;
      const remoteChangedAt = input.remoteTimes[field] ?? null;
      winner = laterWins(defectChangedAt, remoteChangedAt);
      conflicts.push({ field, defectValue: local[field], remoteValue: remote[field], defectChangedAt, remoteChangedAt, winner });
    } else if (localChanged) {
      winner = 'defect';
    } else if (remoteChanged) {
      winner = 'tracker';
    }
    if (winner === 'defect') {
      push.add(field);
      next[field] = local[field];
    } else if (winner === 'tracker') {
      pull[field] = remote[field];
      next[field] = remote[field];
    }
  }
  return { push, pull: pull as Partial<TicketFields>, conflicts, next: next as TicketFields };
}
