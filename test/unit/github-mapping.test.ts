import { describe, expect, it } from 'vitest';
import { People } from '../../connectors/people.ts';
import {
  assigneeFromLogins,
  assigneeLogins,
  canonicalFields,
  canonicalStatus,
  githubMappingSchema,
  includesName,
  otherMappedLogins,
  otherSeverityLabels,
  remoteState,
  severityFromLabels,
  statusFromIssue,
} from '../../connectors/github/mapping.ts';
import { parseIssueInput } from '../../connectors/github/refs.ts';
import { DEFECT_STATUSES } from '../../src/domain/lifecycle.ts';

const defaults = githubMappingSchema.parse({});
const people = new People([
  { email: 'ann@example.com', github: 'Ann-GH' },
  { email: 'bob@example.com', jira: 'acc-1' },
]);

describe('github mapping schema', () => {
  it('gives the documented defaults for an empty section', () => {
    expect(defaults).toEqual({
      severityLabels: { critical: 'severity: critical', high: 'severity: high', medium: 'severity: medium', low: 'severity: low' },
      statuses: { open: 'open', completed: 'resolved', not_planned: 'closed', duplicate: 'closed' },
    });
  });

  it('fills the keys a config leaves out and keeps the ones it sets', () => {
    const m = githubMappingSchema.parse({ severityLabels: { critical: 'P0' }, statuses: { not_planned: 'resolved' } });
    expect(m.severityLabels).toEqual({ critical: 'P0', high: 'severity: high', medium: 'severity: medium', low: 'severity: low' });
    expect(m.statuses).toEqual({ open: 'open', completed: 'resolved', not_planned: 'resolved', duplicate: 'closed' });
  });

  it('refuses unknown keys, unknown statuses, empty labels and one label for two severities', () => {
    expect(githubMappingSchema.safeParse({ priority: {} }).success).toBe(false);
    expect(githubMappingSchema.safeParse({ statuses: { open: 'started' } }).success).toBe(false);
    expect(githubMappingSchema.safeParse({ statuses: { wontfix: 'closed' } }).success).toBe(false);
    expect(githubMappingSchema.safeParse({ severityLabels: { low: '  ' } }).success).toBe(false);
    expect(githubMappingSchema.safeParse({ severityLabels: { low: 'Severity: High' } }).success).toBe(false);
  });
});

describe('severity labels', () => {
  it('reads the first severity label, case-insensitively, and medium when there is none', () => {
    expect(severityFromLabels(defaults, ['bug', 'Severity: High', 'severity: low'])).toBe('high');
    expect(severityFromLabels(defaults, ['bug'])).toBe('medium');
    expect(severityFromLabels(defaults, [])).toBe('medium');
  });

  it('names the other severity labels to remove, case-insensitively, and no other label', () => {
    expect(otherSeverityLabels(defaults, ['bug', 'severity: low', 'ui', 'SEVERITY: HIGH'], 'critical')).toEqual(['severity: low', 'SEVERITY: HIGH']);
    expect(otherSeverityLabels(defaults, ['Severity: Low', 'bug'], 'low')).toEqual([]);
    expect(includesName(['Severity: Low'], 'severity: low')).toBe(true);
    expect(includesName([], 'x')).toBe(false);
  });

  it('uses configured label names both ways', () => {
    const m = githubMappingSchema.parse({ severityLabels: { critical: 'P0', high: 'P1', medium: 'P2', low: 'P3' } });
    expect(otherSeverityLabels(m, ['severity: high', 'P3', 'p1'], 'high')).toEqual(['P3']);
    expect(severityFromLabels(m, ['severity: critical', 'p1'])).toBe('high');
  });
});

describe('status', () => {
  it('writes open for open, in progress and reopened, and closed as completed for resolved and closed', () => {
    expect(remoteState('open')).toEqual({ state: 'open' });
    expect(remoteState('in_progress')).toEqual({ state: 'open' });
    expect(remoteState('reopened')).toEqual({ state: 'open' });
    expect(remoteState('resolved')).toEqual({ state: 'closed', state_reason: 'completed' });
    expect(remoteState('closed')).toEqual({ state: 'closed', state_reason: 'completed' });
  });

  it('reads open issues and each close reason through the mapping', () => {
    expect(statusFromIssue(defaults, 'open', null)).toBe('open');
    expect(statusFromIssue(defaults, 'open', 'reopened')).toBe('open');
    expect(statusFromIssue(defaults, 'closed', 'completed')).toBe('resolved');
    expect(statusFromIssue(defaults, 'closed', 'not_planned')).toBe('closed');
    expect(statusFromIssue(defaults, 'closed', 'duplicate')).toBe('closed');
    // closed before GitHub had reasons
    expect(statusFromIssue(defaults, 'closed', null)).toBe('resolved');
  });

  it('collapses statuses GitHub cannot tell apart, following a configured mapping', () => {
    expect(DEFECT_STATUSES.map((s) => canonicalStatus(defaults, s))).toEqual(['open', 'open', 'resolved', 'resolved', 'open']);
    const m = githubMappingSchema.parse({ statuses: { open: 'in_progress', completed: 'closed' } });
    expect(DEFECT_STATUSES.map((s) => canonicalStatus(m, s))).toEqual(['in_progress', 'in_progress', 'closed', 'closed', 'in_progress']);
    expect(statusFromIssue(m, 'closed', 'completed')).toBe('closed');
  });

  it('reads back what it writes for every status', () => {
    for (const s of DEFECT_STATUSES) {
      const r = remoteState(s);
      expect(statusFromIssue(defaults, r.state, 'state_reason' in r ? r.state_reason : null)).toBe(canonicalStatus(defaults, s));
    }
  });
});

describe('assignee', () => {
  it('maps email to login and back through the people table', () => {
    expect(assigneeLogins(people, 'ANN@example.com')).toEqual(['Ann-GH']);
    expect(assigneeLogins(people, 'bob@example.com')).toEqual([]);
    expect(assigneeLogins(people, null)).toEqual([]);
    expect(assigneeFromLogins(people, ['stranger', 'ann-gh'])).toBe('ann@example.com');
    expect(assigneeFromLogins(people, ['stranger'])).toBeNull();
    expect(assigneeFromLogins(people, [])).toBeNull();
    expect(otherMappedLogins(people, ['stranger', 'ann-gh', 'Ann-GH'], undefined)).toEqual(['ann-gh', 'Ann-GH']);
    expect(otherMappedLogins(people, ['stranger', 'ann-gh'], 'ANN-gh')).toEqual([]);
  });
});

describe('canonical fields', () => {
  it('trims title and description, collapses status, drops unmapped assignees, spells emails as the table does', () => {
    expect(
      canonicalFields(defaults, people, { title: '  Login fails ', description: '\r\nSteps\r\n1. go\n\n', severity: 'high', status: 'closed', assignee: 'Ann@Example.com', milestone: ' 2.4 ', tags: ['ui', 'severity: high', 'UI', 'flaky'] }),
    ).toEqual({ title: 'Login fails', description: 'Steps\n1. go', severity: 'high', status: 'resolved', assignee: 'ann@example.com', milestone: '2.4', tags: ['UI', 'flaky'] });
    expect(canonicalFields(defaults, people, { title: 't', description: '', severity: 'low', status: 'in_progress', assignee: 'bob@example.com', milestone: null, tags: [] })).toEqual({
      title: 't',
      description: '',
      severity: 'low',
      status: 'open',
      assignee: null,
      milestone: null,
      tags: [],
    });
  });
});

describe('issue references a person may paste', () => {
  const repo = { owner: 'acme', repo: 'app' };
  const api = 'https://api.github.com';

  it('accepts a number, #number, owner/repo#number and the web and API URLs', () => {
    expect(parseIssueInput('12', repo, api)).toBe(12);
    expect(parseIssueInput(' #12 ', repo, api)).toBe(12);
    expect(parseIssueInput('Acme/App#12', repo, api)).toBe(12);
    expect(parseIssueInput('https://github.com/acme/app/issues/12', repo, api)).toBe(12);
    expect(parseIssueInput('https://github.com/acme/app/issues/12#issuecomment-1', repo, api)).toBe(12);
    expect(parseIssueInput('https://api.github.com/repos/acme/app/issues/12', repo, api)).toBe(12);
  });

  it('accepts GitHub Enterprise web URLs on the API host', () => {
    expect(parseIssueInput('https://ghe.example/acme/app/issues/7', repo, 'https://ghe.example/api/v3')).toBe(7);
    expect(parseIssueInput('https://ghe.example/api/v3/repos/acme/app/issues/7', repo, 'https://ghe.example/api/v3')).toBe(7);
    expect(() => parseIssueInput('https://github.com/acme/app/issues/7', repo, 'https://ghe.example/api/v3')).toThrow(/not on https:\/\/ghe\.example/);
  });

  it('refuses other repositories, pull requests, other hosts and nonsense, naming the reason', () => {
    const kind = (input: string) => {
      try {
        parseIssueInput(input, repo, api);
        return 'accepted';
      } catch (err) {
        return `${(err as { kind: string }).kind}: ${(err as Error).message}`;
      }
    };
    expect(kind('other/app#12')).toMatch(/^rejected: .*is in other\/app, not in the configured repository acme\/app/);
    expect(kind('https://github.com/other/app/issues/12')).toMatch(/^rejected: .*other\/app/);
    expect(kind('https://github.com/acme/app/pull/12')).toMatch(/^rejected: .*pull request/);
    expect(kind('https://gitlab.com/acme/app/issues/12')).toMatch(/^rejected: .*not on https:\/\/github\.com/);
    expect(kind('PROJ-12')).toMatch(/^rejected: .*not an issue number/);
    expect(kind('#0')).toMatch(/^rejected/);
    expect(kind('')).toMatch(/^rejected/);
  });
});
