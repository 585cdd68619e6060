// The ADF renderer and reader (pure): what the connector writes into the description field, and the
// plain text it reads back (the description part only).
import { describe, expect, it } from 'vitest';
import { descriptionFromAdf, normalizeDescription, renderDescription } from '../../../connectors/jira/adf.ts';
import { adfProblem } from '../../../connectors/jira/fake-state.ts';
import { expectedAdf, ticket } from './helpers.ts';

const text = (value: string) => ({ type: 'text', text: value });
const para = (...content: object[]) => ({ type: 'paragraph', content });

describe('renderDescription', () => {
  it('writes paragraphs, a rule, the footer heading, field lines with links and failing runs as a list', () => {
    expect(renderDescription(ticket())).toEqual(expectedAdf());
  });

  it('keeps single line breaks as hard breaks and never writes empty text nodes', () => {
    const doc = renderDescription(ticket({ description: 'one\ntwo\n\n   \n\nthree' }));
    expect(doc.content.slice(0, 2)).toEqual([para(text('one'), { type: 'hardBreak' }, text('two')), para(text('three'))]);
    expect(adfProblem(doc)).toBeNull();
  });

  it('writes only the footer for an empty description', () => {
    const doc = renderDescription(ticket({ description: '  \n ' }));
    expect(doc.content[0]).toEqual({ type: 'rule' });
  });

  it('groups runs into one list and counts the runs beyond ten', () => {
    const t = ticket();
    t.context.failingRuns = Array.from({ length: 12 }, (_, i) => ({ testCase: `case-${i}`, launch: 'L', message: null, ranAt: '2026-11-24T00:00:00Z' }));
    const doc = renderDescription(t);
    const lists = doc.content.filter((n) => n.type === 'bulletList');
    expect(lists).toHaveLength(1);
    expect(lists[0]!.content).toHaveLength(10);
    expect(JSON.stringify(doc.content.at(-1))).toContain('More failing runs:');
    expect(adfProblem(doc)).toBeNull();
  });
});

describe('descriptionFromAdf', () => {
  it('reads back exactly the normalised description it wrote', () => {
    for (const d of ['Plain', 'a\nb\n\nc', '  lead and trail  ', 'x\r\ny\r\n\r\n\r\nz', '', 'Synced by Defect Sync\n\nin the text is fine']) {
      expect(descriptionFromAdf(renderDescription(ticket({ description: d })))).toBe(normalizeDescription(d));
    }
  });

  it('cuts at the rule before the footer heading, not at other rules', () => {
    const doc = { type: 'doc', version: 1, content: [para(text('before')), { type: 'rule' }, para(text('after a rule')), ...renderDescription(ticket({ description: '' })).content] };
    expect(descriptionFromAdf(doc)).toBe('before\n\n---\n\nafter a rule');
  });

  it('reads rich text people write in Jira as plain text', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [text('Steps')] },
        { type: 'orderedList', attrs: { order: 1 }, content: [{ type: 'listItem', content: [para(text('Open'))] }, { type: 'listItem', content: [para(text('Pay'))] }] },
        { type: 'bulletList', content: [{ type: 'listItem', content: [para(text('note '), { type: 'mention', attrs: { id: 'x', text: '@Alice' } })] }] },
        { type: 'codeBlock', attrs: { language: 'js' }, content: [text('pay(card)')] },
        { type: 'blockquote', content: [para(text('quoted'))] },
        para(text('see '), { type: 'inlineCard', attrs: { url: 'https://x.example/1' } }, text(' '), { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } }),
        para(),
      ],
    };
    expect(descriptionFromAdf(doc)).toBe('Steps\n\n1. Open\n2. Pay\n\n- note @Alice\n\npay(card)\n\n> quoted\n\nsee https://x.example/1 😄');
  });

  it('treats a missing or odd description as empty, and a document without our footer as all description', () => {
    expect(descriptionFromAdf(null)).toBe('');
    expect(descriptionFromAdf(undefined)).toBe('');
    expect(descriptionFromAdf({ type: 'doc', version: 1 })).toBe('');
    expect(descriptionFromAdf({ type: 'doc', version: 1, content: [para(text('only a person wrote this'))] })).toBe('only a person wrote this');
  });
});

describe('normalizeDescription', () => {
  it('trims, normalises line ends and collapses blank lines between paragraphs', () => {
    expect(normalizeDescription('\r\n  a \r\nb\n \n\t\n\nc  ')).toBe('a \nb\n\nc');
  });
});
