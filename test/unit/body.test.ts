import { describe, expect, it } from 'vitest';
import {
  cutNote,
  cutToFit,
  descriptionOf,
  endsWithCutNote,
  footerStart,
  markdownBody,
  markdownFooter,
  replaceMarkdownFooter,
  textLength,
} from '../../connectors/body.ts';
import { markerFor } from '../../connectors/marker.ts';
import { DEFECT_ID, ticket } from '../connectors/shared.ts';

const EMOJI = '\u{1F600}';

describe('footerStart and descriptionOf agree on where the footer starts', () => {
  it('finds the rule of a rendered body, with LF or CRLF line ends', () => {
    const body = markdownBody(ticket({ description: 'Steps' }));
    expect(footerStart(body)).toBe('Steps\n\n'.length);
    const crlf = body.replaceAll('\n', '\r\n');
    expect(footerStart(crlf)).toBe('Steps\r\n\r\n'.length);
    expect(descriptionOf(crlf)).toBe('Steps');
  });

  it('is -1 for a body without our footer (a ticket linked by hand)', () => {
    expect(footerStart('just text\n---\nnot ours\n')).toBe(-1);
    expect(descriptionOf('just text')).toBe('just text');
  });
});

describe('replaceMarkdownFooter', () => {
  const updated = ticket({ severity: 'critical', description: 'the defect’s own description' });

  it('keeps a person’s text before the footer byte for byte and renders only the footer anew', () => {
    const person = '  Edited on GitHub:\r\n\r\n* a list   \r\n\r\n';
    const old = `${person}${markdownFooter(ticket({ severity: 'low' }))}`;
    const body = replaceMarkdownFooter(old, updated);
    expect(body).toBe(`${person}${markdownFooter(updated)}`);
    expect(body).toContain('**Severity:** critical');
    expect(body).not.toContain('the defect’s own description');
  });

  it('equals markdownBody when the kept text is what markdownBody wrote', () => {
    const before = markdownBody(ticket({ description: 'Steps:\n1. open' }));
    const t = ticket({ description: 'Steps:\n1. open', severity: 'low' });
    expect(replaceMarkdownFooter(before, t)).toBe(markdownBody(t));
  });

  it('appends the footer after a blank line to a body that has none', () => {
    expect(replaceMarkdownFooter('Written by hand', updated)).toBe(`Written by hand\n\n${markdownFooter(updated)}`);
    expect(replaceMarkdownFooter('Ends with a line end\n', updated)).toBe(`Ends with a line end\n\n${markdownFooter(updated)}`);
    expect(replaceMarkdownFooter(null, updated)).toBe(markdownFooter(updated));
    expect(replaceMarkdownFooter('', updated)).toBe(markdownFooter(updated));
  });

  it('keeps the marker of the ticket', () => {
    expect(replaceMarkdownFooter('x', updated)).toContain(`<!-- ${markerFor(DEFECT_ID)} -->`);
  });
});

describe('cutToFit', () => {
  it('leaves text that fits alone', () => {
    expect(cutToFit('abc', 3, '!')).toBe('abc');
  });

  it('cuts so that text and note together fit exactly', () => {
    expect(cutToFit('abcdef', 5, '..')).toBe('abc..');
  });

  it('counts code points, and never cuts a surrogate pair in half', () => {
    expect(textLength(`${EMOJI}${EMOJI}a`)).toBe(3);
    expect(cutToFit(`${EMOJI}${EMOJI}${EMOJI}`, 3, '')).toBe(`${EMOJI}${EMOJI}${EMOJI}`);
    const cut = cutToFit(`${EMOJI}${EMOJI}${EMOJI}`, 2, '!');
    expect(cut).toBe(`${EMOJI}!`);
    expect(cut.isWellFormed()).toBe(true);
  });

  it('a note longer than the room is itself cut', () => {
    expect(cutToFit('abcdef', 2, 'long note')).toBe('lo');
  });
});

describe('markdownBody with a limit', () => {
  const limit = { maxLength: 65_536, tracker: 'GitHub' };

  it('is unchanged when it fits', () => {
    const t = ticket({ description: 'short' });
    expect(markdownBody(t, limit)).toBe(markdownBody(t));
  });

  it('cuts an over-long description so the whole body fits, with a visible note and the footer intact', () => {
    const t = ticket({ description: EMOJI.repeat(70_000) });
    const body = markdownBody(t, limit);
    expect(textLength(body)).toBeLessThanOrEqual(65_536);
    expect(textLength(body)).toBeGreaterThan(65_500);
    expect(body.isWellFormed()).toBe(true);
    expect(body).toContain(`${cutNote('GitHub', t.context.defectUrl)}\n\n---\n`);
    expect(body).toContain("description cut to fit GitHub's limit; the full text is at https://defects.example/defects/DEF-7");
    // The description comes first: the footer beside a cut lists no runs (it counts them and links to the defect).
    expect(body.endsWith(markdownFooter(t, 0))).toBe(true);
  });

  it('never cuts a kept person’s text: the footer lists fewer runs to make room, and is left out (null) when none fits', () => {
    const runs = Array.from({ length: 10 }, (_, i) => ({ testCase: `case ${i} ${'x'.repeat(400)}`, launch: 'nightly', message: 'boom', ranAt: '2026-11-20T03:00:00.000Z' }));
    const t = { ...ticket(), context: { ...ticket().context, failingRuns: runs, failingRunCount: 12 } };
    const person = 'p'.repeat(65_536 - textLength(markdownFooter(t, 3)) - 2);
    const body = replaceMarkdownFooter(person, t, limit)!;
    expect(textLength(body)).toBeLessThanOrEqual(65_536);
    expect(body).toBe(`${person}\n\n${markdownFooter(t, 3)}`);
    expect(body).toMatch(/\*\*More failing runs:\*\* \[9\]/);
    expect(replaceMarkdownFooter('p'.repeat(65_400), t, limit)).toBeNull();
  });

  it('lists fewer runs before it cuts a long description, and cuts only when even the shortest footer does not fit', () => {
    const runs = Array.from({ length: 10 }, (_, i) => ({ testCase: `case ${i} ${'x'.repeat(400)}`, launch: 'nightly', message: 'boom', ranAt: '2026-11-20T03:00:00.000Z' }));
    const context = { ...ticket().context, failingRuns: runs };
    const fits = { fields: ticket({ description: 'd'.repeat(62_000) }).fields, context };
    const body = markdownBody(fits, limit);
    const listed = body.match(/^- `/gm)?.length ?? 0;
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThan(10);
    expect(body).toBe(`${'d'.repeat(62_000)}\n\n${markdownFooter(fits, listed)}`);
    // The fullest footer that fits: one more run would not.
    expect(62_002 + textLength(markdownFooter(fits, listed + 1))).toBeGreaterThan(65_536);
    expect(body).toMatch(new RegExp(`\\*\\*More failing runs:\\*\\* \\[${10 - listed}\\]`));
    const long = { fields: ticket({ description: 'd'.repeat(65_536) }).fields, context };
    expect(markdownBody(long, limit).endsWith(markdownFooter(long, 0))).toBe(true);
    expect(endsWithCutNote(descriptionOf(markdownBody(long, limit)), 'GitHub')).toBe(true);
    expect(endsWithCutNote(descriptionOf(markdownBody(fits, limit)), 'GitHub')).toBe(false);
  });
});
