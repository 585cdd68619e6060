import { describe, expect, it } from 'vitest';
import { allowedTransitions, checkTransition, DEFECT_STATUSES, isFixed } from '../../src/domain/lifecycle.ts';
import { TABLE } from '../helpers/lifecycle-table.ts';


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
