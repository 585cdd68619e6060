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

/** The later change wins; a tie, or a tracker that cannot say when, keeps the defect's value. */
export function laterWins(defectAt: Date | null, remoteAt: Date | null): Winner {
  if (!remoteAt) return 'defect';
  if (!defectAt) return 'tracker';
  return remoteAt.getTime() > defectAt.getTime() ? 'tracker' : 'defect';
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
