// The ADF renderer and reader (pure): what the connector writes into the description field, and the
// plain text it reads back (the description part only).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { descriptionFromAdf, normalizeDescription, renderDescription } from '../../../connectors/jira/adf.ts';
import { CUT_NOTE, JIRA_TEXT_LIMIT, jiraSize } from '../../../connectors/jira/fit.ts';
import { adfProblem } from '../../../fakes/jira/state.ts';
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

  it('keeps inline nodes inline: marked text, a mention and a date stay on their line', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        para(text('Check '), { type: 'text', text: 'login', marks: [{ type: 'strong' }] }, text(' flow '), { type: 'text', text: 'now', marks: [{ type: 'em' }, { type: 'underline' }] }),
        para(text('due '), { type: 'date', attrs: { timestamp: '1732406400000' } }, text(', ask '), { type: 'mention', attrs: { id: 'x', text: '@Ann' } }),
        para(text('see '), { type: 'text', text: 'the logs', marks: [{ type: 'link', attrs: { href: 'https://ci.example/1' } }] }),
      ],
    };
    expect(descriptionFromAdf(doc)).toBe('Check login flow now\n\ndue 2024-11-24, ask @Ann\n\nsee the logs (https://ci.example/1)');
  });

  it('reads task lists as checkboxes, decisions, panels, expands and nested lists', () => {
    const item = (state: string, ...content: object[]) => ({ type: 'taskItem', attrs: { localId: state, state }, content });
    const li = (...content: object[]) => ({ type: 'listItem', content });
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'taskList',
          attrs: { localId: 'l' },
          content: [
            item('TODO', text('Check '), { type: 'text', text: 'login', marks: [{ type: 'strong' }] }, text(' flow')),
            item('DONE', text('Reproduce on '), { type: 'date', attrs: { timestamp: '1764028800000' } }),
            { type: 'taskList', attrs: { localId: 'n' }, content: [item('TODO', text('nested'))] },
          ],
        },
        { type: 'decisionList', attrs: { localId: 'd' }, content: [{ type: 'decisionItem', attrs: { localId: 'i', state: 'DECIDED' }, content: [text('Ship the fix')] }] },
        { type: 'panel', attrs: { panelType: 'warning' }, content: [para(text('Only on Safari'))] },
        { type: 'expand', attrs: { title: 'Logs' }, content: [{ type: 'codeBlock', content: [text('500 at /pay')] }] },
        {
          type: 'bulletList',
          content: [li(para(text('outer')), { type: 'orderedList', attrs: { order: 3 }, content: [li(para(text('inner')), para(text('more')))] })],
        },
        { type: 'layoutSection', content: [{ type: 'layoutColumn', attrs: { width: 50 }, content: [para(text('left'))] }, { type: 'layoutColumn', attrs: { width: 50 }, content: [para(text('right'))] }] },
      ],
    };
    expect(descriptionFromAdf(doc)).toBe(
      [
        '- [ ] Check login flow\n- [x] Reproduce on 2025-11-25\n  - [ ] nested',
        '- Decision: Ship the fix',
        'Warning: Only on Safari',
        'Logs\n\n500 at /pay',
        '- outer\n  3. inner\n     more',
        'left\n\nright',
      ].join('\n\n'),
    );
  });

  it('reads back exactly what renderDescription wrote, for any description', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '\t', '\n', '\r', '*', '-', '#', '>', '\u00a0', 'é', '😀') });
    fc.assert(
      fc.property(line, (description) => {
        const doc = renderDescription(ticket({ description }));
        expect(adfProblem(doc)).toBeNull();
        expect(descriptionFromAdf(doc)).toBe(normalizeDescription(description));
      }),
      { numRuns: 500 },
    );
  });

  it('treats a missing or odd description as empty, and a document without our footer as all description', () => {
    expect(descriptionFromAdf(null)).toBe('');
    expect(descriptionFromAdf(undefined)).toBe('');
    expect(descriptionFromAdf({ type: 'doc', version: 1 })).toBe('');
    expect(descriptionFromAdf({ type: 'doc', version: 1, content: [para(text('only a person wrote this'))] })).toBe('only a person wrote this');
  });
});

describe('fitting Jira’s limit', () => {
  it('never writes a description field over the limit, cuts only what does not fit, and never splits a character', () => {
    const unit = fc.constantFrom('a', ' ', '\n', '<', '&', '"', '😀', 'é');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60_000 }), unit, (length, ch) => {
        const description = `${ch}b`.repeat(Math.ceil(length / 2));
        const doc = renderDescription(ticket({ description }));
        expect(jiraSize(doc)).toBeLessThanOrEqual(JIRA_TEXT_LIMIT);
        const read = descriptionFromAdf(doc);
        if (read.endsWith(CUT_NOTE)) {
          expect(normalizeDescription(description).startsWith(read.slice(0, -CUT_NOTE.length).trimEnd())).toBe(true);
          expect(read).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
        } else {
          expect(read).toBe(normalizeDescription(description));
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('normalizeDescription', () => {
  it('trims, normalises line ends and collapses blank lines between paragraphs', () => {
    expect(normalizeDescription('\r\n  a \r\nb\n \n\t\n\nc  ')).toBe('a \nb\n\nc');
  });
});
