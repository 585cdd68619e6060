import { describe, expect, it } from 'vitest';
import {
  notesWithFooter,
  asanaMappingSchema,
  canonicalFields,
  completedFor,
  customFieldsFor,
  fieldsFromTask,
  markerOf,
  severityFrom,
  severityFromNotes,
  statusFrom,
} from '../../connectors/asana/mapping.ts';
import { parseTaskRef } from '../../connectors/asana/task-ref.ts';
import { People } from '../../connectors/people.ts';
import { descriptionOf, plainBody } from '../../connectors/body.ts';
import type { OutboundTicket, TicketFields } from '../../connectors/contract.ts';
import { DEFECT_STATUSES } from '../../src/domain/lifecycle.ts';

const DEFECT_ID = '0b9f3c2e-8a1d-4c5e-9f00-1234567890ab';
const people = new People([
  { email: 'Ada@Example.com', asana: '111' },
  { email: 'grace@example.com', github: 'grace' },
]);
const SEVERITY_FIELD = { gid: '900', options: { critical: '901', high: '902', medium: '903', low: '904' } };

function ticket(fields: Partial<TicketFields> = {}): OutboundTicket {
  return {
    fields: { title: 'Login fails', description: 'Steps', severity: 'high', status: 'open', assignee: null, milestone: null, tags: [], ...fields },
    context: { defectId: DEFECT_ID, defectKey: 'D-1', defectUrl: 'https://ds.example/defects/D-1', failingRuns: [] },
  };
}

describe('asanaMappingSchema', () => {
  it('has a default for every property', () => {
    expect(asanaMappingSchema.parse({})).toEqual({ completed: 'resolved', incomplete: 'open', severityField: null, milestoneField: null });
  });

  it('takes overrides and refuses statuses that cannot be told apart the other way', () => {
    expect(asanaMappingSchema.parse({ completed: 'closed', incomplete: 'in_progress', severityField: SEVERITY_FIELD })).toEqual({
      completed: 'closed',
      incomplete: 'in_progress',
      severityField: SEVERITY_FIELD,
      milestoneField: null,
    });
    expect(() => asanaMappingSchema.parse({ completed: 'open' })).toThrow();
    expect(() => asanaMappingSchema.parse({ incomplete: 'resolved' })).toThrow();
  });

  it('refuses unknown keys and incomplete severity options', () => {
    expect(() => asanaMappingSchema.parse({ priorityField: 'x' })).toThrow();
    expect(() => asanaMappingSchema.parse({ severityField: { gid: '900', options: { critical: '1', high: '2', medium: '3' } } })).toThrow();
    expect(() => asanaMappingSchema.parse({ severityField: { gid: 'abc', options: SEVERITY_FIELD.options } })).toThrow();
  });
});

describe('status', () => {
  it('writes resolved and closed as completed, the rest as incomplete', () => {
    expect(DEFECT_STATUSES.map((s) => [s, completedFor(s)])).toEqual([
      ['open', false],
      ['in_progress', false],
      ['resolved', true],
      ['closed', true],
      ['reopened', false],
    ]);
  });

  it('reads completed through the mapping', () => {
    const defaults = asanaMappingSchema.parse({});
    expect(statusFrom(true, defaults)).toBe('resolved');
    expect(statusFrom(false, defaults)).toBe('open');
    const custom = asanaMappingSchema.parse({ completed: 'closed', incomplete: 'reopened' });
    expect(statusFrom(true, custom)).toBe('closed');
    expect(statusFrom(false, custom)).toBe('reopened');
  });
});

describe('severity', () => {
  const withField = asanaMappingSchema.parse({ severityField: SEVERITY_FIELD });
  const without = asanaMappingSchema.parse({});

  it('is an enum custom field write only when a field is configured', () => {
    expect(customFieldsFor('critical', withField)).toEqual({ '900': '901' });
    expect(customFieldsFor('low', withField)).toEqual({ '900': '904' });
    expect(customFieldsFor('low', without)).toBeUndefined();
  });

  it('reads the enum option back, falling back to the footer, then medium', () => {
    const notes = plainBody(ticket({ severity: 'critical' }));
    expect(severityFrom({ notes, custom_fields: [{ gid: '900', enum_value: { gid: '904' } }] }, withField)).toBe('low');
    expect(severityFrom({ notes, custom_fields: [{ gid: '900', enum_value: null }] }, withField)).toBe('critical');
    expect(severityFrom({ notes: 'by hand', custom_fields: [] }, withField)).toBe('medium');
    expect(severityFrom({ notes }, without)).toBe('critical');
    expect(severityFrom({ notes: 'Severity: high, says the reporter' }, without)).toBe('medium');
  });

  it('reads the Severity line only from our footer', () => {
    expect(severityFromNotes(plainBody(ticket({ severity: 'low' })))).toBe('low');
    expect(severityFromNotes('Severity: critical\nwritten by a person')).toBeNull();
    expect(severityFromNotes(plainBody(ticket({ description: 'Severity: critical', severity: 'low' })))).toBe('low');
  });
});

describe('reading a task', () => {
  const mapping = asanaMappingSchema.parse({});

  it('maps every field back to defect terms', () => {
    const notes = plainBody(ticket({ description: '  Steps\r\nto repeat  ', severity: 'low' }));
    expect(fieldsFromTask({ name: ' Login fails ', notes, completed: true, assignee: { gid: '111' } }, mapping, people)).toEqual({
      title: 'Login fails',
      description: 'Steps\nto repeat',
      severity: 'low',
      status: 'resolved',
      assignee: 'Ada@Example.com',
      milestone: null,
      tags: [],
    });
  });

  it('gives null for an Asana user outside the people mapping, and copes with an empty task', () => {
    expect(fieldsFromTask({ name: null, notes: null, completed: false, assignee: { gid: '999' } }, mapping, people)).toEqual({
      title: '',
      description: '',
      severity: 'medium',
      status: 'open',
      assignee: null,
      milestone: null,
      tags: [],
    });
  });

  it('finds the marker in the footer rather than a quoted one above it', () => {
    const other = 'defect-sync-11111111-2222-3333-4444-555555555555';
    expect(markerOf(plainBody(ticket({ description: `see ${other}` })))).toBe(DEFECT_ID);
    expect(markerOf(`pasted ${other}`)).toBe('11111111-2222-3333-4444-555555555555');
    expect(markerOf('nothing')).toBeNull();
  });
});

describe('canonical', () => {
  const mapping = asanaMappingSchema.parse({});

  it('collapses statuses Asana cannot tell apart', () => {
    const result = DEFECT_STATUSES.map((status) => canonicalFields(ticket({ status }).fields, mapping, people).status);
    expect(result).toEqual(['open', 'open', 'resolved', 'resolved', 'open']);
    const closedMapping = asanaMappingSchema.parse({ completed: 'closed', incomplete: 'in_progress' });
    expect(canonicalFields(ticket({ status: 'resolved' }).fields, closedMapping, people).status).toBe('closed');
    expect(canonicalFields(ticket({ status: 'reopened' }).fields, closedMapping, people).status).toBe('in_progress');
  });

  it('trims the title and description, and maps the assignee through the people mapping', () => {
    const fields = canonicalFields(ticket({ title: '  T  ', description: '\n d \r\n e \n', assignee: 'ada@example.com' }).fields, mapping, people);
    expect(fields).toEqual({ title: 'T', description: 'd \n e', severity: 'high', status: 'open', assignee: 'Ada@Example.com', milestone: null, tags: [] });
  });

  it('turns an assignee without an Asana identity into null', () => {
    expect(canonicalFields(ticket({ assignee: 'grace@example.com' }).fields, mapping, people).assignee).toBeNull();
    expect(canonicalFields(ticket({ assignee: 'nobody@example.com' }).fields, mapping, people).assignee).toBeNull();
  });

  it('is what a plainBody round trip reads back', () => {
    const t = ticket({ title: ' x ', description: '  a\r\nb ', status: 'closed', severity: 'critical', assignee: 'ADA@example.com' });
    const read = fieldsFromTask({ name: t.fields.title.trim(), notes: plainBody(t), completed: true, assignee: { gid: '111' } }, mapping, people);
    expect(read).toEqual(canonicalFields(t.fields, mapping, people));
  });
});

describe('parseTaskRef', () => {
  it('accepts a gid and both Asana link shapes', () => {
    expect(parseTaskRef(' 1209 ')).toEqual({ taskGid: '1209' });
    expect(parseTaskRef('https://app.asana.com/0/42/1209')).toEqual({ taskGid: '1209', projectGid: '42' });
    expect(parseTaskRef('https://app.asana.com/0/42/1209/f')).toEqual({ taskGid: '1209', projectGid: '42' });
    expect(parseTaskRef('https://app.asana.com/0/0/1209')).toEqual({ taskGid: '1209' });
    expect(parseTaskRef('https://app.asana.com/1/7/project/42/task/1209?focus=true')).toEqual({ taskGid: '1209', projectGid: '42', workspaceGid: '7' });
    expect(parseTaskRef('https://app.asana.com/1/7/task/1209')).toEqual({ taskGid: '1209', workspaceGid: '7' });
  });

  it('explains what it cannot use', () => {
    for (const input of ['', 'ABC-1', 'https://example.com/0/42/1209', 'https://app.asana.com/0/42', 'https://app.asana.com/1/7/project/42', 'https://app.asana.com/0/42/1209/x']) {
      expect(parseTaskRef(input)).toHaveProperty('error');
    }
  });
});

describe('notesWithFooter', () => {
  const footer = '---\nSynced by Defect Sync\nSeverity: low\ndefect-sync-0b9f3c2e-8a1d-4c5e-9f00-1234567890ab\n';

  it('replaces our footer and keeps the text before it exactly', () => {
    const notes = `  Indented first line\nsecond\n\n\nthird\n\n---\nSynced by Defect Sync\nSeverity: high\nold marker\n`;
    expect(notesWithFooter(notes, footer)).toBe(`  Indented first line\nsecond\n\n\nthird\n\n${footer}`);
  });

  it('appends the footer to notes without one, and is the footer alone for empty notes', () => {
    expect(notesWithFooter('By hand\n\n\n', footer)).toBe(`By hand\n\n${footer}`);
    expect(notesWithFooter('', footer)).toBe(footer);
    expect(notesWithFooter(null, footer)).toBe(footer);
    expect(notesWithFooter(`---\nSynced by Defect Sync\nSeverity: high\n`, footer)).toBe(footer);
  });

  it('reads back the same description after the footer is replaced', () => {
    const notes = `Steps\n- a\n- b\n\n${footer.replace('low', 'high')}`;
    expect(descriptionOf(notesWithFooter(notes, footer))).toBe(descriptionOf(notes));
  });
});
