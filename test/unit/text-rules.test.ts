// The one set of text rules (src/domain/text-rules.ts) as the API's schemas and the inbound sync use it:
// table cases for the cut and the cleaning, and properties over random text (NUL, lone surrogates,
// surrogate pairs at the cut, whitespace, values far over the limits). Seed: FC_SEED (default fixed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { characters, cutToLength, DESCRIPTION_MAX, fitText, fitsNothing, replaceUnstorable, TITLE_MAX, unstorable } from '../../src/domain/text-rules.ts';
import { PatchDefect } from '../../src/http/schemas.ts';
import { fitRemote } from '../../src/sync/inbound-text.ts';
import { TrackerError } from '../../connectors/errors.ts';
import type { RemoteTicket } from '../../connectors/contract.ts';

const SEED = Number(process.env.FC_SEED ?? 20261201);
const RUNS = Number(process.env.FC_RUNS ?? 300);

const EMOJI = '\u{1F41E}'; // two UTF-16 units

describe('text rules: table', () => {
  it('counts characters as code points, as the API does, and cuts on a code-point boundary', () => {
    expect(characters(`ab${EMOJI}`)).toBe(3);
    expect(characters('a\ud800b')).toBe(3);
    expect(cutToLength('abc', 5)).toBe('abc');
    expect(cutToLength('abcdef', 3)).toBe('abc');
    expect(cutToLength(`ab${EMOJI}c`, 3)).toBe(`ab${EMOJI}`);
    expect(cutToLength(`${EMOJI}${EMOJI}${EMOJI}`, 2)).toBe(`${EMOJI}${EMOJI}`);
    const title = fitText('title', 'x'.repeat(TITLE_MAX - 1) + EMOJI + 'tail');
    expect(title).toMatchObject({ value: 'x'.repeat(TITLE_MAX - 1) + EMOJI, cutFrom: TITLE_MAX + 4 });
    expect(title.value.isWellFormed()).toBe(true);
    expect(fitText('title', EMOJI.repeat(TITLE_MAX)).cutFrom).toBeNull(); // 510 UTF-16 units, 255 characters
  });

  it('replaces NUL and lone surrogates with U+FFFD, one rule for both', () => {
    expect(replaceUnstorable('a\u0000b\ud800c\udfffd')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(replaceUnstorable(`ok ${EMOJI}`)).toBe(`ok ${EMOJI}`);
    expect(fitText('description', 'notes\u0000nul')).toEqual({ value: 'notes\ufffdnul', replaced: true, cutFrom: null });
  });

  it('trims a title as the API does and cuts it at 255, a description at 65,536', () => {
    expect(fitText('title', '  Login  ')).toEqual({ value: 'Login', replaced: false, cutFrom: null });
    expect(fitText('title', 'L'.repeat(1_048_000))).toEqual({ value: 'L'.repeat(TITLE_MAX), replaced: false, cutFrom: 1_048_000 });
    expect(fitText('title', `${'a'.repeat(254)} b`).value).toBe('a'.repeat(254));
    expect(fitText('description', 'N'.repeat(70_000))).toEqual({ value: 'N'.repeat(DESCRIPTION_MAX), replaced: false, cutFrom: 70_000 });
    expect(fitText('description', '  keeps its spaces  ').value).toBe('  keeps its spaces  ');
  });

  it('tells an empty title apart: the API refuses it, so the inbound path must not store it', () => {
    expect(fitsNothing('title', fitText('title', ' \t\n'))).toBe(true);
    expect(fitsNothing('description', fitText('description', ''))).toBe(false);
  });

  it('names what the API refuses', () => {
    expect(unstorable('a\u0000')).toMatch(/NUL/);
    expect(unstorable('\ud800')).toMatch(/surrogate/);
    expect(unstorable(`${EMOJI}\ufffd`)).toBeNull();
  });
});

describe('text rules: the inbound read', () => {
  const remote = (title: string, description: string): RemoteTicket => ({
    remoteId: '1',
    key: '1',
    url: 'https://tracker.example/1',
    fields: { title, description, severity: 'medium', status: 'open', assignee: null, milestone: null, tags: [] },
    markerDefectId: null,
    updatedAt: new Date(0),
  });

  it('fits the title and the description and says what it did, for the link', () => {
    const read = fitRemote('asana', remote('L'.repeat(300), 'a\u0000b'));
    expect(read.fields.title).toBe('L'.repeat(TITLE_MAX));
    expect(read.fields.description).toBe('a\ufffdb');
    expect(read.fitted).toEqual([
      expect.stringMatching(/asana title is 300 characters, more than a defect's 255; the defect holds its first 255/),
      expect.stringMatching(/asana description held NUL or unpaired surrogate characters/),
    ]);
  });

  it('leaves a ticket that already fits as it is', () => {
    const r = remote('Fine', 'Also fine');
    expect(fitRemote('github', r)).toBe(r);
  });

  it('refuses a ticket whose title is empty after cleaning, as a rejected error (no retry loop)', () => {
    let thrown: unknown;
    try {
      fitRemote('asana', remote('   ', 'x'));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TrackerError);
    expect(thrown).toMatchObject({ kind: 'rejected', tracker: 'asana', message: expect.stringMatching(/empty title/) });
  });
});

/** Text with everything that breaks the rules: NUL, lone surrogates, pairs, whitespace, and lengths around the limits. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 1, minLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', EMOJI, ' ', '\n', '\t', '\u00a0', '\ufeff', '\ufffd') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const text = (around: number) =>
  fc.oneof(
    fc.array(unit, { maxLength: 40 }).map((a) => a.join('')),
    // A long run then a tail of random units, so pairs and spaces land right at the cut.
    fc.tuple(fc.integer({ min: around - 3, max: around + 3 }), fc.array(unit, { maxLength: 6 }), fc.array(unit, { maxLength: 6 })).map(
      ([n, head, tail]) => head.join('') + 'x'.repeat(Math.max(0, n - head.length)) + tail.join(''),
    ),
  );

describe('text rules: properties', () => {
  for (const [field, max] of [['title', TITLE_MAX], ['description', DESCRIPTION_MAX]] as const) {
    it(`${field}: fitting is idempotent, and its result is storable, within ${max} and accepted by the API unchanged`, () => {
      fc.assert(
        fc.property(text(max), (raw) => {
          const once = fitText(field, raw);
          expect(fitText(field, once.value).value).toBe(once.value);
          expect(unstorable(once.value)).toBeNull();
          expect(characters(once.value)).toBeLessThanOrEqual(max);
          if (fitsNothing(field, once)) return;
          const api = PatchDefect.safeParse({ [field]: once.value });
          expect(api.success).toBe(true);
          expect(api.data![field]).toBe(once.value);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it(`${field}: the API and the inbound path agree on every value the API accepts`, () => {
      fc.assert(
        fc.property(text(max), (raw) => {
          const api = PatchDefect.safeParse({ [field]: raw });
          const fitted = fitText(field, raw);
          if (api.success) {
            expect(fitted.value).toBe(api.data[field]);
            expect(fitted).toMatchObject({ replaced: false, cutFrom: null });
          } else {
            // Refused by the API for this field alone, and the inbound path changed it (or found it empty).
            expect(api.error.issues.every((i) => i.path[0] === field)).toBe(true);
            expect(fitsNothing(field, fitted) || fitted.replaced || fitted.cutFrom !== null).toBe(true);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }
});
