import { describe, expect, it } from 'vitest';
import { changedFields, normalizeTags, stampFieldTimes, type DefectFields } from '../../src/domain/defect-fields.ts';
import { formatDefectKey, parseDefectRef } from '../../src/domain/defect-key.ts';

const base: DefectFields = {
  title: 't',
  description: '',
  severity: 'medium',
  status: 'open',
  assignee: null,
  milestone: null,
  tags: ['a', 'b'],
  project: null,
};

describe('changed fields', () => {
  it('lists only fields whose value differs', () => {
    expect(changedFields(base, { title: 't', severity: 'high', tags: ['a', 'b'] })).toEqual(['severity']);
  });
  it('sees clearing a value and reordering array contents as changes', () => {
    expect(changedFields({ ...base, assignee: 'ann' }, { assignee: null, tags: ['b', 'a'] })).toEqual(['assignee', 'tags']);
  });
  it('ignores undefined entries', () => {
    expect(changedFields(base, { title: undefined })).toEqual([]);
  });
});

describe('tags', () => {
  it('are trimmed, unique and sorted', () => {
    expect(normalizeTags([' ui', 'api', 'ui', ''])).toEqual(['api', 'ui']);
  });
});

describe('field stamps', () => {
  it('stamp changed fields and keep the others', () => {
    const at = new Date('2026-11-24T10:00:00Z');
    expect(stampFieldTimes({ title: 'old', tags: 'old' }, ['title'], at)).toEqual({ title: at.toISOString(), tags: 'old' });
  });
});

describe('defect keys', () => {
  it('format and parse DEF-<n>, case-insensitively', () => {
    expect(formatDefectKey(42)).toBe('DEF-42');
    expect(parseDefectRef('DEF-42')).toEqual({ number: 42 });
    expect(parseDefectRef('def-7')).toEqual({ number: 7 });
  });
  it('accept a UUID, lower-cased', () => {
    expect(parseDefectRef('8F0E2D5C-1B2A-4C3D-9E8F-0A1B2C3D4E5F')).toEqual({ id: '8f0e2d5c-1b2a-4c3d-9e8f-0a1b2c3d4e5f' });
  });
  it.each(['DEF-0', 'DEF-', 'DEF-99999999999', '42', 'not-a-key', "DEF-1' OR 1=1"])('reject %s', (ref) => {
    expect(parseDefectRef(ref)).toBeNull();
  });
});
