// How defect terms become Jira terms and back (pure). Jira has no severity and no fixed status set:
// severity travels as a priority name, and status as either a status category key ('new',
// 'indeterminate', 'done': every Jira workflow status belongs to one) or a specific status name for
// workflows whose categories are too coarse. Inbound, a status name the user mapped wins over its
// category, so "Won't Do" (category done) can read back as closed rather than resolved.
import { z } from 'zod';
import { DEFECT_STATUSES, type DefectStatus } from '../../src/domain/lifecycle.ts';
import { SEVERITIES, type Severity } from '../../src/domain/severity.ts';
import { findMarker } from '../marker.ts';

export const STATUS_CATEGORIES = ['new', 'indeterminate', 'done'] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

/** The status Jira's default workflows give each category; preferred when several transitions reach it. */
export const USUAL_STATUS_NAME: Record<StatusCategory, string> = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' };

const defectStatus = z.enum(DEFECT_STATUSES);
const severity = z.enum(SEVERITIES);
const name = z.string().trim().min(1);

const DEFAULT_PRIORITIES = { critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low' };
const DEFAULT_CATEGORIES = { new: 'open', indeterminate: 'in_progress', done: 'resolved' } as const;
const DEFAULT_TARGETS = { open: 'new', in_progress: 'indeterminate', resolved: 'done', closed: 'done', reopened: 'new' };

export const jiraMappingSchema = z
  .object({
    /** Outbound: the priority name each severity is written as. Inbound: the inverse. */
    priorities: z
      .object({
        critical: name.default(DEFAULT_PRIORITIES.critical),
        high: name.default(DEFAULT_PRIORITIES.high),
        medium: name.default(DEFAULT_PRIORITIES.medium),
        low: name.default(DEFAULT_PRIORITIES.low),
      })
      .strict()
      .default(DEFAULT_PRIORITIES),
    /** Further priority names people may pick in Jira, read as this severity (never written). */
    priorityAliases: z.record(z.string().min(1), severity).default({ Lowest: 'low' }),
    /** Inbound by status name; wins over the category. Replaces the default table when given. */
    statuses: z.record(z.string().min(1), defectStatus).default({ "Won't Do": 'closed', Duplicate: 'closed' }),
    /** Inbound by status category key. */
    categories: z
      .object({
        new: defectStatus.default(DEFAULT_CATEGORIES.new),
        indeterminate: defectStatus.default(DEFAULT_CATEGORIES.indeterminate),
        done: defectStatus.default(DEFAULT_CATEGORIES.done),
      })
      .strict()
      .default(DEFAULT_CATEGORIES),
    /** Outbound: where each defect status moves the issue, a category key or a status name. */
    targets: z
      .object({
        open: name.default(DEFAULT_TARGETS.open),
        in_progress: name.default(DEFAULT_TARGETS.in_progress),
        resolved: name.default(DEFAULT_TARGETS.resolved),
        closed: name.default(DEFAULT_TARGETS.closed),
        reopened: name.default(DEFAULT_TARGETS.reopened),
      })
      .strict()
      .default(DEFAULT_TARGETS),
    /** A milestone with no version of that name in the project creates one (else it is withheld, with a warning). */
    createVersions: z.boolean().default(false),
  })
  .strict()
  .superRefine((m, ctx) => {
    // The inverse must be a function: two severities on one priority could not be told apart.
    const seen = new Map<string, string>();
    for (const [sev, prio] of Object.entries(m.priorities)) {
      const other = seen.get(prio.toLowerCase());
      if (other) ctx.addIssue({ code: 'custom', path: ['priorities', sev], message: `priority "${prio}" is already used for ${other}` });
      seen.set(prio.toLowerCase(), sev);
    }
    // A status-name target must read back through the status table: unlisted, the issue reads back by its
    // category (say, "In Review" as in progress), so a resolved defect would be pulled to reopened and
    // pushed again, forever (review #23). Category keys need no entry.
    const listed = new Set(Object.keys(m.statuses).map((n) => n.toLowerCase()));
    for (const [status, target] of Object.entries(m.targets)) {
      if ((STATUS_CATEGORIES as readonly string[]).includes(target) || listed.has(target.toLowerCase())) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['targets', status],
        message: `${JSON.stringify(target)} is neither a status category (${STATUS_CATEGORIES.join(', ')}) nor listed in jira.statuses; add it there with the defect status it reads back as, e.g. statuses: { ${JSON.stringify(target)}: ${status} }`,
      });
    }
  });

export type JiraMapping = z.infer<typeof jiraMappingSchema>;

export type StatusTarget = { kind: 'category'; category: StatusCategory } | { kind: 'name'; name: string };

export function priorityFor(mapping: JiraMapping, sev: Severity): string {
  return mapping.priorities[sev];
}

/** Unknown or missing priorities (priority field switched off, a custom priority) read as medium. */
export function severityFromPriority(mapping: JiraMapping, priorityName: string | null | undefined): Severity {
  if (!priorityName) return 'medium';
  const wanted = priorityName.toLowerCase();
  for (const sev of SEVERITIES) if (mapping.priorities[sev].toLowerCase() === wanted) return sev;
  for (const [alias, sev] of Object.entries(mapping.priorityAliases)) if (alias.toLowerCase() === wanted) return sev;
  return 'medium';
}

export function targetFor(mapping: JiraMapping, status: DefectStatus): StatusTarget {
  const target = mapping.targets[status];
  return (STATUS_CATEGORIES as readonly string[]).includes(target)
    ? { kind: 'category', category: target as StatusCategory }
    : { kind: 'name', name: target };
}

function statusByName(mapping: JiraMapping, statusName: string): DefectStatus | undefined {
  const wanted = statusName.toLowerCase();
  for (const [n, s] of Object.entries(mapping.statuses)) if (n.toLowerCase() === wanted) return s;
  return undefined;
}

/** A Jira status (its name and category key) in defect terms; a category Jira added later reads as open. */
export function defectStatusFrom(mapping: JiraMapping, statusName: string | null | undefined, categoryKey: string | null | undefined): DefectStatus {
  const byName = statusName ? statusByName(mapping, statusName) : undefined;
  if (byName) return byName;
  if (categoryKey && (STATUS_CATEGORIES as readonly string[]).includes(categoryKey)) return mapping.categories[categoryKey as StatusCategory];
  return 'open';
}

/** Whether an issue in this status already satisfies the target (no transition needed). */
export function statusMatches(target: StatusTarget, statusName: string | null | undefined, categoryKey: string | null | undefined): boolean {
  return target.kind === 'category' ? categoryKey === target.category : statusName?.toLowerCase() === target.name.toLowerCase();
}

/**
 * The defect status a target reads back as. A category target lands in some status of that category
 * (the connector prefers one that reads back as this value); a name target reads back through the
 * status-name table, which the schema requires to list it (the fallback is for a mapping built by hand).
 */
export function canonicalStatus(mapping: JiraMapping, status: DefectStatus): DefectStatus {
  const target = targetFor(mapping, status);
  if (target.kind === 'category') return mapping.categories[target.category];
  return statusByName(mapping, target.name) ?? status;
}

export const MAX_SUMMARY = 255;

/**
 * Jira's summary is one line of at most 255 characters (Java string length, so UTF-16 units); it
 * refuses newlines and longer text. The cut never splits a surrogate pair.
 */
export function canonicalTitle(title: string): string {
  const line = title.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  if (line.length <= MAX_SUMMARY) return line;
  const cut = line.slice(0, MAX_SUMMARY - 1).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut.trimEnd()}…`;
}

// ---- tags <-> labels

/** Jira's longest label. */
export const JIRA_LABEL_MAX = 255;

/**
 * The tags that can be Jira labels: Jira refuses a label with a space in it ("The label 'x y' contains
 * spaces which is invalid.") or longer than JIRA_LABEL_MAX, and a label that looks like our marker is the
 * marker. Also what a read makes of an issue's labels (the marker left out), so a tag reads back as written.
 */
export function tagLabels(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()))].filter((n) => n && !/\s/.test(n) && n.length <= JIRA_LABEL_MAX && findMarker(n) === null).sort();
}
