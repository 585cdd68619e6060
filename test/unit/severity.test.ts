import { describe, expect, it } from 'vitest';
import { bySeverityDesc, isAtLeast, severityRank } from '../../src/domain/severity.ts';

describe('severity ordering', () => {
  it('ranks critical > high > medium > low', () => {
    expect(severityRank('critical')).toBeGreaterThan(severityRank('high'));
    expect(severityRank('high')).toBeGreaterThan(severityRank('medium'));
    expect(severityRank('medium')).toBeGreaterThan(severityRank('low'));
  });

  it('sorts most severe first', () => {
    expect((['low', 'critical', 'medium', 'high'] as const).toSorted(bySeverityDesc)).toEqual(['critical', 'high', 'medium', 'low']);
  });

  it('compares against a floor', () => {
    expect(isAtLeast('high', 'medium')).toBe(true);
    expect(isAtLeast('medium', 'medium')).toBe(true);
    expect(isAtLeast('low', 'medium')).toBe(false);
  });
});
