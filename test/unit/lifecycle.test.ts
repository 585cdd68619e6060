import { describe, expect, it } from 'vitest';
import { allowedTransitions, checkTransition, DEFECT_STATUSES, isFixed, type DefectStatus } from '../../src/domain/lifecycle.ts';

// The full table, written out independently of the implementation: [from, to, allowed].
const TABLE: [DefectStatus, DefectStatus, boolean][] = [
  ['open', 'in_progress', true],
  ['open', 'resolved', true],
  ['open', 'closed', true],
  ['open', 'reopened', false],
  ['in_progress', 'open', true],
  ['in_progress', 'resolved', true],
  ['in_progress', 'closed', true],
  ['in_progress', 'reopened', false],
  ['resolved', 'closed', true],
  ['resolved', 'reopened', true],
  ['resolved', 'open', false],
  ['resolved', 'in_progress', false],
  ['closed', 'reopened', true],
  ['closed', 'open', false],
  ['closed', 'in_progress', false],
  ['closed', 'resolved', false],
  ['reopened', 'in_progress', true],
  ['reopened', 'resolved', true],
  ['reopened', 'closed', true],
  ['reopened', 'open', false],
];

describe('defect lifecycle', () => {
  it('covers every ordered pair of distinct statuses exactly once', () => {
    const pairs = new Set(TABLE.map(([f, t]) => `${f}>${t}`));
    expect(pairs.size).toBe(DEFECT_STATUSES.length * (DEFECT_STATUSES.length - 1));
  });

  it.each(TABLE)('%s → %s allowed: %s', (from, to, allowed) => {
    const result = checkTransition(from, to);
    expect(result.ok).toBe(allowed);
    if (result.ok) expect(result.changed).toBe(true);
    else expect(result).toEqual({ ok: false, from, to, allowed: allowedTransitions(from) });
  });

  it.each(DEFECT_STATUSES)('staying %s is a no-op, not an error', (s) => {
    expect(checkTransition(s, s)).toEqual({ ok: true, changed: false });
  });

  it('names the allowed targets of a refused move', () => {
    const result = checkTransition('closed', 'in_progress');
    expect(result).toEqual({ ok: false, from: 'closed', to: 'in_progress', allowed: ['reopened'] });
  });

  it('treats only resolved and closed as fixed', () => {
    expect(DEFECT_STATUSES.filter(isFixed)).toEqual(['resolved', 'closed']);
  });
});
