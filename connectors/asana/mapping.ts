// How defect fields become Asana task fields and back (pure). Asana has one bit of status
// (completed), so five defect states collapse to two; severity lives either in an enum custom
// field the user names in the config or, without one, only in the notes footer we generate.
import { z } from 'zod';
import type { TicketFields } from '../contract.ts';
import { descriptionOf, footerStart, normalizeLineEnds } from '../body.ts';
import { findMarker } from '../marker.ts';
import type { People } from '../people.ts';
import { isFixed, type DefectStatus } from '../../src/domain/lifecycle.ts';
import { SEVERITIES, type Severity } from '../../src/domain/severity.ts';

const optionGid = z.string().regex(/^\d+$/, 'an Asana enum option gid (digits)');

export const asanaMappingSchema = z
  .object({
    /** The defect status a completed task reads back as. */
    completed: z.enum(['resolved', 'closed']).default('resolved'),
    /** The defect status an incomplete task reads back as. */
    incomplete: z.enum(['open', 'in_progress', 'reopened']).default('open'),
    /** An enum custom field on the project that carries severity; null: severity only in the notes footer. */
    severityField: z
      .object({
        gid: z.string().regex(/^\d+$/, 'an Asana custom field gid (digits)'),
        options: z.object({ critical: optionGid, high: optionGid, medium: optionGid, low: optionGid }).strict(),
      })
      .strict()
      .nullable()
      .default(null),
    /** A text custom field on the project that carries the milestone; null: the milestone stays home (the footer names it). */
    milestoneField: z
      .object({ gid: z.string().regex(/^\d+$/, 'an Asana custom field gid (digits)') })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export type AsanaMapping = z.infer<typeof asanaMappingSchema>;

/** The parts of a task record the mapping reads (as the API returns them with our opt_fields). */
export type AsanaTaskFields = {
  name?: string | null;
  notes?: string | null;
  completed?: boolean | null;
  assignee?: { gid: string } | null;
  custom_fields?: { gid: string; enum_value?: { gid: string } | null; text_value?: string | null }[] | null;
  tags?: { gid: string; name?: string | null }[] | null;
};

/** Tags as a set of names (trimmed, unique, sorted): how a defect keeps them, and how they read back. */
export function tagNames(names: readonly (string | null | undefined)[]): string[] {
  return [...new Set(names.map((n) => (n ?? '').trim()).filter(Boolean))].sort();
}

/** The milestone from the configured text field; null without one (Asana then does not carry it). */
export function milestoneFrom(task: AsanaTaskFields, mapping: AsanaMapping): string | null {
  const gid = mapping.milestoneField?.gid;
  if (!gid) return null;
  return task.custom_fields?.find((f) => f.gid === gid)?.text_value?.trim() || null;
}

/** The custom_fields write for the milestone, or undefined when no field carries it. */
export function milestoneWrite(milestone: string | null, mapping: AsanaMapping): Record<string, string | null> | undefined {
  const gid = mapping.milestoneField?.gid;
  return gid ? { [gid]: milestone?.trim() || null } : undefined;
}

export function completedFor(status: DefectStatus): boolean {
  return isFixed(status);
}

export function statusFrom(completed: boolean, mapping: AsanaMapping): DefectStatus {
  return completed ? mapping.completed : mapping.incomplete;
}

/** The custom_fields write for a severity, or undefined when severity is not a custom field. */
export function customFieldsFor(severity: Severity, mapping: AsanaMapping): Record<string, string> | undefined {
  const field = mapping.severityField;
  return field ? { [field.gid]: field.options[severity] } : undefined;
}

/**
 * The generated part of the notes (from our separator on), or null when the notes have none.
 * Found by body.ts's footerStart, as descriptionOf cuts it, so the two always agree.
 */
export function footerOf(notes: string | null | undefined): string | null {
  if (!notes) return null;
  const normalized = normalizeLineEnds(notes);
  const at = footerStart(normalized);
  return at === -1 ? null : normalized.slice(at);
}

/**
 * Notes with our footer replaced by `footer` (plain text from the rule on) and everything a person
 * wrote before it kept as it is (line ends as LF); notes without our footer (a task linked by hand)
 * get it appended.
 */
export function notesWithFooter(notes: string | null | undefined, footer: string): string {
  const normalized = normalizeLineEnds(notes ?? '');
  const at = footerStart(normalized);
  // The person's part ends right before the rule (with the line end before it).
  const person = at === -1 ? normalized.replace(/\n*$/, '\n') : normalized.slice(0, at);
  if (!person.trim()) return footer;
  return `${person}${person.endsWith('\n\n') ? '' : '\n'}${footer}`;
}

export function severityFromNotes(notes: string | null | undefined): Severity | null {
  const m = /^Severity: (\S+)$/m.exec(footerOf(notes) ?? '');
  const value = m?.[1];
  return value && (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : null;
}

/** The marker in the footer; a task someone wrote without our footer may still quote one anywhere. */
export function markerOf(notes: string | null | undefined): string | null {
  return findMarker(footerOf(notes)) ?? findMarker(notes);
}

export function severityFrom(task: AsanaTaskFields, mapping: AsanaMapping): Severity {
  const field = mapping.severityField;
  if (field) {
    const optionGid = task.custom_fields?.find((f) => f.gid === field.gid)?.enum_value?.gid;
    const severity = SEVERITIES.find((s) => field.options[s] === optionGid);
    if (severity) return severity;
  }
  // A field left empty (or an option we do not map) falls back to what our footer says.
  return severityFromNotes(task.notes) ?? 'medium';
}

export function assigneeFor(email: string | null, people: People): string | null {
  return people.toRemote('asana', email);
}

export function fieldsFromTask(task: AsanaTaskFields, mapping: AsanaMapping, people: People): TicketFields {
  return {
    title: (task.name ?? '').trim(),
    description: descriptionOf(task.notes),
    severity: severityFrom(task, mapping),
    status: statusFrom(task.completed === true, mapping),
    assignee: people.fromRemote('asana', task.assignee?.gid),
    milestone: milestoneFrom(task, mapping),
    tags: tagNames((task.tags ?? []).map((t) => t.name)),
  };
}

/** The fields as they read back after writing them. */
export function canonicalFields(fields: TicketFields, mapping: AsanaMapping, people: People): TicketFields {
  return {
    title: fields.title.trim(),
    // descriptionOf trims, normalises line ends and drops anything that would look like our footer.
    description: descriptionOf(fields.description),
    severity: fields.severity,
    status: statusFrom(completedFor(fields.status), mapping),
    assignee: people.fromRemote('asana', assigneeFor(fields.assignee, people)),
    milestone: mapping.milestoneField ? fields.milestone?.trim() || null : null,
    tags: tagNames(fields.tags),
  };
}
