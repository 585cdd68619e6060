// Two-way sync of one ticket, field by field (pure). Three versions of each field meet: the defect's
// (as the tracker would show it), the ticket's as read now, and the snapshot both sides held after the
// last sync. A side that differs from the snapshot changed since; the other side follows it. When both
// changed to different values, the later change wins, by the defect's own stamp for that field and the
// tracker's time for that field's change; equal times keep the defect's value. A field's direction
// limits who may change whom: an `outbound` field never takes the ticket's value, an `inbound` field is
// never written to the ticket, an `off` field is left alone on both sides.
//
// Tags are a set and merge as one, element by element (mergeTags): every addition and every removal made
// on either side since the snapshot is kept, so they never conflict.
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
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/**
 * The three-way merge of two sets against their common base: (D ∩ R) ∪ (D − B) ∪ (R − B). A tag added on
 * either side is kept, a tag removed on either side (and still in the base) is removed. With no base
 * (first sync of a link made before tags crossed) it is the union: nothing anyone added is lost.
 * Sorted, as normalizeTags keeps a defect's tags.
 */
export function mergeTags(local: readonly string[], remote: readonly string[], base: readonly string[] | null): string[] {
  const inBase = new Set(base ?? []);
  const inLocal = new Set(local);
  const inRemote = new Set(remote);
  const out = new Set<string>();
  for (const t of local) if (!inBase.has(t) || inRemote.has(t)) out.add(t);
  for (const t of remote) if (!inBase.has(t) || inLocal.has(t)) out.add(t);
  return [...out].sort();
}

/**
 * The defect's own tags after the ticket's merge: `merged` is in the tracker's terms (canonical), which
 * leave out a tag the tracker cannot carry; such a tag stays on the defect. What the merge added to the
 * canonical tags is added, what it removed is removed, nothing else is touched.
 */
export function applyTagMerge(defectTags: readonly string[], canonicalTags: readonly string[], merged: readonly string[]): string[] {
  const before = new Set(canonicalTags);
  const after = new Set(merged);
  const out = new Set(defectTags.filter((t) => !before.has(t) || after.has(t)));
  for (const t of merged) out.add(t);
  return [...out].sort();
}

/**
 * A snapshot saved before milestone and tags crossed lacks them: the missing parts are filled as a first
 * link fills them (see firstLinkBase), so an upgrade neither wipes what people set on the ticket nor
 * what the defect holds. Tags get the intersection, which makes mergeTags a union.
 */
export function completeBase(base: TicketFields | null, local: TicketFields, remote: TicketFields): TicketFields | null {
  if (!base || (base.milestone !== undefined && Array.isArray(base.tags))) return base;
  const first = firstLinkBase(local, remote);
  const out = { ...base };
  if (out.milestone === undefined) out.milestone = first.milestone;
  if (!Array.isArray(out.tags)) out.tags = first.tags;
  return out;
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
    if (f === 'tags') return false; // merged as a set: no side loses
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
  if (local.milestone === null) base.milestone = null;
  // Tags both hold are the common base: what either side has beyond them is kept (a union).
  base.tags = local.tags.filter((t) => remote.tags.includes(t));
  return base;
}

/**
 * The defect's tags after the merge (`both`, written to the ticket too when tags sync outbound) and what
 * the ticket then holds (`next`); null when tags do not sync.
 */
function mergedTags(input: MergeInput): { both: string[]; next: string[] } | null {
  const { local, remote, base, directions } = input;
  switch (directions.tags) {
    case 'off':
      return null;
    case 'outbound':
      return { both: [...local.tags], next: [...local.tags] };
    case 'inbound':
      // The same merge (the ticket's additions and removals come in, the defect's own stay), never written
      // out: the ticket keeps its own set. With no base, no ticket change can be told apart: nothing comes in.
      return { both: base ? mergeTags(local.tags, remote.tags, base.tags) : [...local.tags], next: [...remote.tags] };
    default: {
      const merged = mergeTags(local.tags, remote.tags, base?.tags ?? null);
      return { both: merged, next: merged };
    }
  }
}

export function mergeTicket(input: MergeInput): MergeResult {
  const { local, remote, base } = input;
  const push = new Set<TicketField>();
  const pull: Partial<Record<TicketField, unknown>> = {};
  const conflicts: ConflictDecision[] = [];
  const next = { ...(base ?? remote) } as Record<TicketField, unknown>;

  const tags = mergedTags(input);
  if (tags) {
    const outbound = input.directions.tags !== 'inbound';
    if (outbound && !same(tags.both, remote.tags)) push.add('tags');
    if (input.directions.tags !== 'outbound' && !same(tags.both, local.tags)) pull['tags'] = tags.both;
    next['tags'] = tags.next;
  }
  for (const field of TICKET_FIELDS) {
    if (field === 'tags') continue;
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
