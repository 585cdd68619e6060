// Which defect fields are user-editable (and, later, synced), and how a patch compares to the
// current values. Pure: the store and the sync engine use the same notion of "changed".
import type { DefectStatus } from './lifecycle.ts';
import type { Severity } from './severity.ts';

export const EDITABLE_FIELDS = ['title', 'description', 'severity', 'status', 'assignee', 'milestone', 'tags', 'project'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export type DefectFields = {
  title: string;
  description: string;
  severity: Severity;
  status: DefectStatus;
  assignee: string | null;
  milestone: string | null;
  tags: string[];
  project: string | null;
};

export type DefectPatch = Partial<DefectFields>;

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Fields whose patched value differs from the current one, in EDITABLE_FIELDS order. */
export function changedFields(current: DefectFields, patch: DefectPatch): EditableField[] {
  return EDITABLE_FIELDS.filter((f) => f in patch && patch[f] !== undefined && !same(current[f], patch[f]));
}

/** Tags are a set: trimmed, de-duplicated, sorted, so that order never counts as a change. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort();
}

/**
 * Stamps each changed field with the time of the change, keeping the others' stamps. `exact` gives a
 * field's own time where it is known (a change made earlier in a tracker), never later than `at`.
 */
export function stampFieldTimes(
  previous: Readonly<Record<string, string>>,
  fields: readonly EditableField[],
  at: Date,
  exact: Readonly<Record<string, Date>> = {},
): Record<string, string> {
  const next = { ...previous };
  for (const f of fields) {
    const known = exact[f];
    next[f] = (known && known.getTime() < at.getTime() ? known : at).toISOString();
  }
  return next;
}
