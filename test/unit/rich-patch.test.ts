// patchBlocks (connectors/rich-patch.ts) and Jira's descriptionWrite (connectors/jira/adf-patch.ts):
// a description edit lands in a person's rich text without deleting what plain text cannot carry.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { patchBlocks, type Block } from '../../connectors/rich-patch.ts';
import { descriptionWrite } from '../../connectors/jira/adf-patch.ts';
import { adfNodes, descriptionFromAdf, normalizeDescription, renderDescription } from '../../connectors/jira/adf.ts';
import type { AdfNode } from '../../connectors/jira/adf-text.ts';
import { ticket } from '../connectors/shared.ts';
import { SEED } from '../connectors/roundtrip.ts';

/** Blocks written as 'p:text' (plain), 'r:text' (formatted) or 'img' (no text). */
const blocks = (...spec: string[]): Block<string>[] =>
  spec.map((s) => (s === 'img' ? { node: s, paragraphs: [], plain: false } : { node: s, paragraphs: [s.slice(2)], plain: s.startsWith('p:') }));
const render = (paragraphs: string[]) => paragraphs.map((p) => `new:${p}`);

describe('patchBlocks', () => {
  it.each<[string, string[], string[], string[] | { refused: string }]>([
    ['rewrites the one plain paragraph that changed', ['p:a', 'p:b', 'p:c'], ['a', 'B', 'c'], ['p:a', 'new:B', 'p:c']],
    ['keeps an image where it was', ['p:a', 'img', 'p:b'], ['a', 'B'], ['p:a', 'img', 'new:B']],
    ['keeps a formatted block the edit leaves alone', ['r:a', 'p:b', 'r:c'], ['a', 'B', 'c'], ['r:a', 'new:B', 'r:c']],
    ['inserts new paragraphs before a formatted block', ['p:a', 'r:t'], ['a', 'x', 'y', 't'], ['p:a', 'new:x', 'new:y', 'r:t']],
    ['appends at the end', ['r:a', 'img'], ['a', 'z'], ['r:a', 'img', 'new:z']],
    ['drops a plain paragraph next to an image, keeping the image', ['p:a', 'img', 'p:b', 'p:c'], ['a', 'c'], ['p:a', 'img', 'p:c']],
    ['keeps images when all text is cleared', ['p:a', 'img', 'p:b'], [], ['img']],
    ['rewrites the text around a formatted block that stays', ['p:a', 'r:t', 'p:b'], ['A', 't', 'B'], ['new:A', 'r:t', 'new:B']],
    ['finds formatted blocks in order even with text moved between them', ['r:1', 'p:a', 'r:2', 'p:b'], ['1', 'b', '2', 'a'], ['r:1', 'new:b', 'r:2', 'new:a']],
    ['refuses to change formatted text', ['p:a', 'r:bold'], ['a', 'BOLD'], { refused: 'r:bold' }],
    ['refuses to remove a formatted block', ['r:table', 'p:a'], ['a'], { refused: 'r:table' }],
    ['refuses to reorder formatted blocks', ['r:1', 'r:2'], ['2', '1'], { refused: 'r:2' }],
  ])('%s', (_name, spec, paragraphs, expected) => {
    const result = patchBlocks(blocks(...spec), paragraphs, render);
    expect('refused' in result ? result : result.nodes).toEqual(expected);
  });

  it('keeps a formatted block of several paragraphs when they are all still there', () => {
    const list: Block<string> = { node: 'list', paragraphs: ['- one', '- two'], plain: false };
    expect(patchBlocks([{ node: 'p', paragraphs: ['a'], plain: true }, list], ['A', '- one', '- two'], render)).toEqual({ nodes: ['new:A', 'list'] });
  });
});

const text = (value: string): AdfNode => ({ type: 'text', text: value });
const para = (value: string): AdfNode => ({ type: 'paragraph', content: [text(value)] });
const IMAGE: AdfNode = { type: 'mediaSingle', attrs: { layout: 'center' }, content: [{ type: 'media', attrs: { id: 'm1', type: 'file', collection: 'c' } }] };
const cell = (value: string): AdfNode => ({ type: 'tableCell', content: [para(value)] });
const TABLE: AdfNode = { type: 'table', content: [{ type: 'tableRow', content: [cell('a'), cell('b')] }] };
const BOLD: AdfNode = { type: 'paragraph', content: [text('Check '), { type: 'text', text: 'login', marks: [{ type: 'strong' }] }] };

/** The issue's description after a person added `nodes` in Jira, our footer below them. */
function issueDoc(nodes: AdfNode[]): unknown {
  const ours = renderDescription(ticket({ description: '' })).content;
  return { type: 'doc', version: 1, content: [...nodes, ...ours] };
}

describe("Jira's descriptionWrite", () => {
  it('renders a document of plain paragraphs anew', () => {
    const t = ticket({ description: 'New text' });
    expect(descriptionWrite(issueDoc([para('Old text')]), t)).toEqual({ doc: renderDescription(t) });
  });

  it('patches the text around an image, a table and bold text, and reads back as the edit', () => {
    const t = ticket({ description: 'Intro, edited\n\nCheck login\n\na | b\n\nAdded at the end' });
    const write = descriptionWrite(issueDoc([para('Intro'), IMAGE, BOLD, TABLE]), t);
    if (!('doc' in write)) throw new Error(write.refused);
    expect(write.doc.content.slice(0, 5)).toEqual([para('Intro, edited'), IMAGE, BOLD, TABLE, para('Added at the end')]);
    expect(descriptionFromAdf(write.doc)).toBe(normalizeDescription(t.fields.description));
  });

  it.each<[string, string, string]>([
    ['a change to bold text', 'Intro\n\nCheck the login\n\na | b', 'formatted text'],
    ['the removal of a table', 'Intro\n\nCheck login', 'a table'],
    ['a description too long to keep them beside', `Intro\n\nCheck login\n\na | b\n\n${'x'.repeat(40_000)}`, 'too long'],
  ])('refuses %s, naming it', (_name, description, words) => {
    const write = descriptionWrite(issueDoc([para('Intro'), IMAGE, BOLD, TABLE]), ticket({ description }));
    expect(write).toEqual({ refused: expect.stringContaining(words) });
  });

  it('keeps every image, table and formatted block through any edit of the plain paragraphs around them', () => {
    const rich = fc.constantFrom(IMAGE, TABLE, BOLD);
    const plainText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '😀', '<', '&'), minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '');
    const block = fc.oneof(rich, plainText.map(para));
    fc.assert(
      fc.property(fc.array(block, { maxLength: 8 }), fc.array(fc.option(plainText), { maxLength: 8 }), (nodes, edits) => {
        // The edit: each plain paragraph changed, dropped (null) or kept; formatted ones kept.
        const kept: string[] = [];
        nodes.forEach((n, i) => {
          if (n === IMAGE) return;
          if (n === TABLE) kept.push('a | b');
          else if (n === BOLD) kept.push('Check login');
          else if (i < edits.length) {
            if (edits[i] !== null) kept.push(edits[i]!);
          } else kept.push(n.content![0]!.text!);
        });
        const t = ticket({ description: kept.join('\n\n') });
        const write = descriptionWrite(issueDoc(nodes), t);
        if (!('doc' in write)) throw new Error(write.refused);
        // As the sync compares it (a kept paragraph keeps its own spaces).
        expect(normalizeDescription(descriptionFromAdf(write.doc))).toBe(normalizeDescription(t.fields.description));
        const out = adfNodes(write.doc);
        for (const n of nodes.filter((x) => x === IMAGE || x === TABLE || x === BOLD)) expect(out).toContainEqual(n);
        expect(out.filter((x) => x === IMAGE || JSON.stringify(x) === JSON.stringify(IMAGE)).length).toBe(nodes.filter((x) => x === IMAGE).length);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
