// The Jira mapping (pure): defaults, config overrides, both directions, and what canonical() relies on.
import { describe, expect, it } from 'vitest';
import {
  canonicalStatus,
  canonicalTitle,
  defectStatusFrom,
  jiraMappingSchema,
  priorityFor,
  severityFromPriority,
  statusMatches,
  targetFor,
} from '../../connectors/jira/mapping.ts';
import { DEFECT_STATUSES } from '../../src/domain/lifecycle.ts';
import { SEVERITIES } from '../../src/domain/severity.ts';

const defaults = jiraMappingSchema.parse({});

describe('jiraMappingSchema', () => {
  it('gives the documented defaults for an empty section', () => {
    expect(defaults).toEqual({
      priorities: { critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low' },
      priorityAliases: { Lowest: 'low' },
      statuses: { "Won't Do": 'closed', Duplicate: 'closed' },
      categories: { new: 'open', indeterminate: 'in_progress', done: 'resolved' },
      targets: { open: 'new', in_progress: 'indeterminate', resolved: 'done', closed: 'done', reopened: 'new' },
      createVersions: false,
    });
  });

  it('fills the rest of a partly given table with defaults, and replaces name tables as a whole', () => {
    const m = jiraMappingSchema.parse({ priorities: { critical: 'Blocker' }, targets: { closed: "Won't Do" }, statuses: { Blocked: 'in_progress', "Won't Do": 'closed' } });
    expect(m.priorities).toEqual({ critical: 'Blocker', high: 'High', medium: 'Medium', low: 'Low' });
    expect(m.targets.closed).toBe("Won't Do");
    expect(m.targets.resolved).toBe('done');
    expect(m.statuses).toEqual({ Blocked: 'in_progress', "Won't Do": 'closed' });
  });

  it('refuses unknown keys, unknown defect terms, empty names and one priority for two severities', () => {
    expect(jiraMappingSchema.safeParse({ priority: {} }).success).toBe(false);
    expect(jiraMappingSchema.safeParse({ priorities: { blocker: 'X' } }).success).toBe(false);
    expect(jiraMappingSchema.safeParse({ statuses: { Blocked: 'blocked' } }).success).toBe(false);
    expect(jiraMappingSchema.safeParse({ categories: { new: 'fresh' } }).success).toBe(false);
    expect(jiraMappingSchema.safeParse({ targets: { open: '' } }).success).toBe(false);
    const dup = jiraMappingSchema.safeParse({ priorities: { critical: 'High' } });
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.path).toEqual(['priorities', 'high']);
  });
});

describe('severity ↔ priority', () => {
  it('writes each severity as its priority and reads it back', () => {
    expect(SEVERITIES.map((s) => priorityFor(defaults, s))).toEqual(['Highest', 'High', 'Medium', 'Low']);
    for (const s of SEVERITIES) expect(severityFromPriority(defaults, priorityFor(defaults, s))).toBe(s);
  });

  it('reads aliases, ignores case, and reads unknown or missing priorities as medium', () => {
    expect(severityFromPriority(defaults, 'Lowest')).toBe('low');
    expect(severityFromPriority(defaults, 'highest')).toBe('critical');
    expect(severityFromPriority(defaults, 'Urgent')).toBe('medium');
    expect(severityFromPriority(defaults, null)).toBe('medium');
  });

  it('follows overrides both ways', () => {
    const m = jiraMappingSchema.parse({ priorities: { critical: 'Blocker' }, priorityAliases: { P1: 'critical' } });
    expect(priorityFor(m, 'critical')).toBe('Blocker');
    expect(severityFromPriority(m, 'Blocker')).toBe('critical');
    expect(severityFromPriority(m, 'P1')).toBe('critical');
    expect(severityFromPriority(m, 'Lowest')).toBe('medium');
  });
});

describe('status', () => {
  it('reads by category, and by name before category', () => {
    expect(defectStatusFrom(defaults, 'To Do', 'new')).toBe('open');
    expect(defectStatusFrom(defaults, 'In Review', 'indeterminate')).toBe('in_progress');
    expect(defectStatusFrom(defaults, 'Done', 'done')).toBe('resolved');
    expect(defectStatusFrom(defaults, "Won't Do", 'done')).toBe('closed');
    expect(defectStatusFrom(defaults, "won't do", 'done')).toBe('closed');
    expect(defectStatusFrom(defaults, 'Duplicate', 'done')).toBe('closed');
    expect(defectStatusFrom(defaults, 'Odd', 'undefined')).toBe('open');
  });

  it('targets categories by default and a status name when configured', () => {
    expect(DEFECT_STATUSES.map((s) => targetFor(defaults, s))).toEqual([
      { kind: 'category', category: 'new' },
      { kind: 'category', category: 'indeterminate' },
      { kind: 'category', category: 'done' },
      { kind: 'category', category: 'done' },
      { kind: 'category', category: 'new' },
    ]);
    const m = jiraMappingSchema.parse({ targets: { closed: "Won't Do" } });
    expect(targetFor(m, 'closed')).toEqual({ kind: 'name', name: "Won't Do" });
  });

  it('knows when an issue already is where the target points', () => {
    expect(statusMatches({ kind: 'category', category: 'done' }, "Won't Do", 'done')).toBe(true);
    expect(statusMatches({ kind: 'category', category: 'done' }, 'In Progress', 'indeterminate')).toBe(false);
    expect(statusMatches({ kind: 'name', name: "Won't Do" }, "WON'T DO", 'done')).toBe(true);
    expect(statusMatches({ kind: 'name', name: "Won't Do" }, 'Done', 'done')).toBe(false);
  });

  it('canonical status: what each defect status reads back as', () => {
    // Jira cannot tell closed from resolved by category, and reopened lands in To Do, which reads as open.
    expect(DEFECT_STATUSES.map((s) => canonicalStatus(defaults, s))).toEqual(['open', 'in_progress', 'resolved', 'resolved', 'open']);
    const named = jiraMappingSchema.parse({ targets: { closed: "Won't Do" } });
    expect(canonicalStatus(named, 'closed')).toBe('closed');
    // A status name the table does not list would read back by its category, which only Jira knows: refused (review #23).
    const unlisted = jiraMappingSchema.safeParse({ targets: { closed: "Won't Do", reopened: 'Reopened' } });
    expect(unlisted.error?.issues.map((i) => i.path)).toEqual([['targets', 'reopened']]);
    const mapped = jiraMappingSchema.parse({ targets: { reopened: 'Reopened' }, statuses: { Reopened: 'reopened' } });
    expect(canonicalStatus(mapped, 'reopened')).toBe('reopened');
  });
});

describe('canonicalTitle', () => {
  it('makes one line and keeps other spacing', () => {
    expect(canonicalTitle('  Checkout\r\n  fails\nnow  ')).toBe('Checkout fails now');
    expect(canonicalTitle('a  b')).toBe('a  b');
  });

  it('truncates to 255 UTF-16 units with an ellipsis, without splitting a surrogate pair', () => {
    const long = canonicalTitle('x'.repeat(300));
    expect(long).toHaveLength(255);
    expect(long.endsWith('…')).toBe(true);
    // Jira counts UTF-16 units: 127 emoji (254 units) and the ellipsis.
    const emoji = canonicalTitle('😀'.repeat(300));
    expect(emoji).toBe(`${'😀'.repeat(127)}…`);
    expect(canonicalTitle(`x${'😀'.repeat(300)}`)).toBe(`x${'😀'.repeat(126)}…`);
    expect(canonicalTitle('y'.repeat(255))).toBe('y'.repeat(255));
  });
});
