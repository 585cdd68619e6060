// How defect fields are spelled on a GitHub issue, and back. Pure: no HTTP, no clock. The schema is the
// `github` section of the sync config file; every property has a default so `parse({})` is a full mapping.
import { z } from 'zod';
import type { TicketFields } from '../contract.ts';
import type { People } from '../people.ts';
import { descriptionOf } from '../body.ts';
import { DEFECT_STATUSES, type DefectStatus } from '../../src/domain/lifecycle.ts';
import { SEVERITIES, type Severity } from '../../src/domain/severity.ts';

const DEFAULT_SEVERITY_LABELS = {
  critical: 'severity: critical',
  high: 'severity: high',
  medium: 'severity: medium',
  low: 'severity: low',
} as const satisfies Record<Severity, string>;

/** Inbound: 'open' for open issues, otherwise the state_reason of the closed issue. */
const DEFAULT_STATUSES = {
  open: 'open',
  completed: 'resolved',
  not_planned: 'closed',
  duplicate: 'closed',
} as const satisfies Record<string, DefectStatus>;

const label = (fallback: string) => z.string().trim().min(1).max(50).default(fallback);
const status = (fallback: DefectStatus) => z.enum(DEFECT_STATUSES).default(fallback);

export const githubMappingSchema = z
  .object({
    severityLabels: z
      .object({
        critical: label(DEFAULT_SEVERITY_LABELS.critical),
        high: label(DEFAULT_SEVERITY_LABELS.high),
        medium: label(DEFAULT_SEVERITY_LABELS.medium),
        low: label(DEFAULT_SEVERITY_LABELS.low),
      })
      .strict()
      // GitHub label names are case-insensitive: two severities on one label could never be told apart.
      .refine((l) => new Set(Object.values(l).map((v) => v.toLowerCase())).size === SEVERITIES.length, {
        message: 'each severity needs its own label (GitHub compares label names case-insensitively)',
      })
      .default(() => ({ ...DEFAULT_SEVERITY_LABELS })),
    statuses: z
      .object({
        open: status(DEFAULT_STATUSES.open),
        completed: status(DEFAULT_STATUSES.completed),
        not_planned: status(DEFAULT_STATUSES.not_planned),
        duplicate: status(DEFAULT_STATUSES.duplicate),
      })
      .strict()
      .default(() => ({ ...DEFAULT_STATUSES })),
  })
  .strict();

export type GithubMapping = z.infer<typeof githubMappingSchema>;

export type IssueState = 'open' | 'closed';
export type StateReason = 'completed' | 'not_planned' | 'duplicate' | 'reopened';

// ---- severity <-> labels

export function severityLabel(mapping: GithubMapping, severity: Severity): string {
  return mapping.severityLabels[severity];
}

function severityOfLabel(mapping: GithubMapping, name: string): Severity | undefined {
  const lower = name.toLowerCase();
  return SEVERITIES.find((s) => mapping.severityLabels[s].toLowerCase() === lower);
}

/** The first severity label on the issue wins; an issue without one reads as medium. */
export function severityFromLabels(mapping: GithubMapping, labels: readonly string[]): Severity {
  for (const name of labels) {
    const severity = severityOfLabel(mapping, name);
    if (severity) return severity;
  }
  return 'medium';
}

/** GitHub compares label names and logins case-insensitively. */
export function includesName(names: readonly string[], name: string): boolean {
  const lower = name.toLowerCase();
  return names.some((n) => n.toLowerCase() === lower);
}

/** The severity labels on an issue other than the one for `severity`: what to remove so exactly one is left. */
export function otherSeverityLabels(mapping: GithubMapping, labels: readonly string[], severity: Severity): string[] {
  const wanted = severityLabel(mapping, severity).toLowerCase();
  return labels.filter((name) => severityOfLabel(mapping, name) !== undefined && name.toLowerCase() !== wanted);
}

// ---- status <-> state / state_reason

/** Where a defect status puts the issue. Closing always says "completed": GitHub's only fixed-state reason. */
export function remoteState(status: DefectStatus): { state: 'open' } | { state: 'closed'; state_reason: 'completed' } {
  return status === 'resolved' || status === 'closed' ? { state: 'closed', state_reason: 'completed' } : { state: 'open' };
}

export function statusFromIssue(mapping: GithubMapping, state: string, stateReason: string | null | undefined): DefectStatus {
  if (state !== 'closed') return mapping.statuses.open;
  // Issues closed before GitHub had reasons carry none; GitHub itself shows them as completed.
  switch (stateReason) {
    case 'not_planned':
      return mapping.statuses.not_planned;
    case 'duplicate':
      return mapping.statuses.duplicate;
    default:
      return mapping.statuses.completed;
  }
}

/** The status a defect status reads back as after being written. */
export function canonicalStatus(mapping: GithubMapping, status: DefectStatus): DefectStatus {
  return remoteState(status).state === 'open' ? mapping.statuses.open : mapping.statuses.completed;
}

// ---- assignee <-> assignees

/** The `assignees` to write: the person's login, or none when the email is not in the people mapping. */
export function assigneeLogins(people: People, email: string | null): string[] {
  const login = people.toRemote('github', email);
  return login ? [login] : [];
}

/** The first assignee who is in the people mapping (a person may add co-assignees we do not know). */
export function assigneeFromLogins(people: People, logins: readonly string[]): string | null {
  for (const login of logins) {
    const email = people.fromRemote('github', login);
    if (email) return email;
  }
  return null;
}

/** The assignees who are in the people mapping other than `keep`: people a sync may have assigned. */
export function otherMappedLogins(people: People, logins: readonly string[], keep: string | undefined): string[] {
  return logins.filter((login) => people.fromRemote('github', login) !== null && login.toLowerCase() !== keep?.toLowerCase());
}

// ---- the whole field set

/**
 * The fields in the form they read back in, without the body's cut (the connector's canonical() adds
 * that, from the footer the context renders): the description as descriptionOf reads it (line ends as
 * LF, trimmed, anything from a look-alike of our footer on dropped).
 */
export function canonicalFields(mapping: GithubMapping, people: People, fields: TicketFields): TicketFields {
  return {
    title: fields.title.trim(),
    description: descriptionOf(fields.description),
    severity: fields.severity,
    status: canonicalStatus(mapping, fields.status),
    assignee: assigneeFromLogins(people, assigneeLogins(people, fields.assignee)),
    milestone: fields.milestone?.trim() || null,
    tags: tagLabels(mapping, fields.tags),
  };
}

// ---- tags <-> labels

/** GitHub refuses label names longer than this (422). */
export const LABEL_MAX = 50;

/**
 * The tags that can be labels of their own: not a severity label (that label means the severity), at
 * most LABEL_MAX characters, and one per name compared case-insensitively as GitHub compares them.
 * Also what a read makes of an issue's labels, so a tag reads back as it was written.
 */
export function tagLabels(mapping: GithubMapping, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of [...new Set(names.map((n) => n.trim()).filter(Boolean))].sort()) {
    const lower = name.toLowerCase();
    if (seen.has(lower) || severityOfLabel(mapping, name) !== undefined || Array.from(name).length > LABEL_MAX) continue;
    seen.add(lower);
    out.push(name);
  }
  return out;
}

/** Whether a label on the issue is a tag (any label but a severity label). */
export function isTagLabel(mapping: GithubMapping, name: string): boolean {
  return severityOfLabel(mapping, name) === undefined;
}
