// The pure rules of tags and milestones in two-way sync: the three-way set merge, the delta a tracker's
// merge makes on the defect's own tags (a tag the tracker cannot carry stays), a snapshot saved before
// tags crossed, and the same text rules for a tracker's tags as for the API's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTagMerge, completeBase, mergeTags, mergeTicket, type MergeInput } from '../../src/sync/merge.ts';
import { fitTags, TAGS_MAX, TAG_MAX } from '../../src/domain/text-rules.ts';
import { normalizeTags } from '../../src/domain/defect-fields.ts';
import { TICKET_FIELDS, type TicketFields } from '../../connectors/contract.ts';
import { syncWarnings } from '../../src/sync/warnings.ts';

const BASE: TicketFields = { title: 'T', description: '', severity: 'medium', status: 'open', assignee: null, milestone: null, tags: ['a'] };
const BOTH = Object.fromEntries(TICKET_FIELDS.map((f) => [f, 'both'])) as MergeInput['directions'];
const input = (over: Partial<MergeInput>): MergeInput => ({ local: BASE, remote: BASE, base: BASE, directions: BOTH, localTimes: {}, remoteTimes: {}, ...over });
const withTags = (tags: string[]): TicketFields => ({ ...BASE, tags });

describe('mergeTags: (D ∩ R) ∪ (D − B) ∪ (R − B)', () => {
  it.each([
    { name: 'nothing changed', d: ['a'], r: ['a'], b: ['a'], out: ['a'] },
    { name: 'added on each side: both kept', d: ['a', 'ui'], r: ['a', 'flaky'], b: ['a'], out: ['a', 'flaky', 'ui'] },
    { name: 'removed on one side, untouched on the other: removed', d: ['a'], r: [], b: ['a'], out: [] },
    { name: 'removed on the defect, untouched in the tracker: removed', d: [], r: ['a'], b: ['a'], out: [] },
    { name: 'removed on both: removed', d: [], r: [], b: ['a'], out: [] },
    { name: 'the same tag added on both: once', d: ['a', 'x'], r: ['a', 'x'], b: ['a'], out: ['a', 'x'] },
    { name: 'removed on one side, another added on the other', d: ['b'], r: ['a', 'c'], b: ['a'], out: ['b', 'c'] },
    { name: 'no base (a link from before tags crossed): the union', d: ['a', 'b'], r: ['c'], b: null, out: ['a', 'b', 'c'] },
  ])('$name', ({ d, r, b, out }) => {
    expect(mergeTags(d, r, b)).toEqual(out);
  });

  it('keeps every addition and every removal, and is symmetric in the two sides (property)', () => {
    const set = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 });
    fc.assert(
      fc.property(set, set, set, (d, r, b) => {
        const out = mergeTags(d, r, b);
        expect(out).toEqual(mergeTags(r, d, b));
        for (const t of [...d, ...r]) if (!b.includes(t)) expect(out).toContain(t); // an addition is kept
        for (const t of b) if (!d.includes(t) || !r.includes(t)) expect(out).not.toContain(t); // a removal holds
        expect(out).toEqual([...out].sort());
      }),
    );
  });
});

describe('mergeTicket with tags', () => {
  it('writes the merged set to the ticket and takes it into the defect; never a conflict', () => {
    const r = mergeTicket(input({ local: withTags(['a', 'ui']), remote: withTags(['a', 'flaky']) }));
    expect(r.push.has('tags')).toBe(true);
    expect(r.pull.tags).toEqual(['a', 'flaky', 'ui']);
    expect(r.next.tags).toEqual(['a', 'flaky', 'ui']);
    expect(r.conflicts).toEqual([]);
  });

  it('follows the direction: outbound writes the defect set, inbound takes the tracker change only, off leaves both', () => {
    const sides = { local: withTags(['a', 'ui']), remote: withTags(['flaky']) };
    const out = mergeTicket(input({ ...sides, directions: { ...BOTH, tags: 'outbound' } }));
    expect([out.push.has('tags'), out.pull.tags, out.next.tags]).toEqual([true, undefined, ['a', 'ui']]);
    const inbound = mergeTicket(input({ ...sides, directions: { ...BOTH, tags: 'inbound' } }));
    // The tracker removed a and added flaky; the defect's own ui stays home (never written out).
    expect([inbound.push.has('tags'), inbound.pull.tags, inbound.next.tags]).toEqual([false, ['flaky', 'ui'], ['flaky']]);
    const off = mergeTicket(input({ ...sides, directions: { ...BOTH, tags: 'off' } }));
    expect([off.push.has('tags'), off.pull.tags]).toEqual([false, undefined]);
  });
});

describe('applyTagMerge: the tracker merge as a delta on the defect', () => {
  it('keeps a tag the tracker cannot carry, applies what the merge added and removed', () => {
    // The defect has "needs triage" (no Jira label can have a space): Jira's canonical set lacks it.
    expect(applyTagMerge(['a', 'needs triage'], ['a'], ['a', 'flaky'])).toEqual(['a', 'flaky', 'needs triage']);
    expect(applyTagMerge(['a', 'needs triage'], ['a'], [])).toEqual(['needs triage']);
  });
});

describe('completeBase: a snapshot saved before milestone and tags crossed', () => {
  const old = { title: 'T', description: '', severity: 'medium', status: 'open', assignee: null } as unknown as TicketFields;
  it('takes the tracker milestone in when the defect has none, and keeps everything either side has', () => {
    const base = completeBase(old, { ...BASE, tags: ['a'], milestone: null }, { ...BASE, tags: ['b'], milestone: '2.4' })!;
    expect(base.milestone).toBeNull();
    const r = mergeTicket(input({ base, local: { ...BASE, tags: ['a'] }, remote: { ...BASE, tags: ['b'], milestone: '2.4' } }));
    expect(r.pull).toEqual({ tags: ['a', 'b'], milestone: '2.4' });
    expect(r.push.has('tags')).toBe(true);
  });

  it("lets the defect's own milestone win over the tracker's", () => {
    const base = completeBase(old, { ...BASE, milestone: '3.0' }, { ...BASE, milestone: '2.4' })!;
    const r = mergeTicket(input({ base, local: { ...BASE, milestone: '3.0' }, remote: { ...BASE, milestone: '2.4' } }));
    expect(r.push.has('milestone')).toBe(true);
    expect(r.pull.milestone).toBeUndefined();
  });

  it('leaves a full snapshot alone', () => {
    expect(completeBase(BASE, BASE, BASE)).toBe(BASE);
  });
});

describe('fitTags: the API rules for tags read from a tracker', () => {
  it.each([
    { name: 'trimmed, unique, sorted', raw: [' ui', 'flaky', 'ui '], value: ['flaky', 'ui'], notes: 0 },
    { name: 'an empty one dropped', raw: ['  ', 'a'], value: ['a'], notes: 0 },
    { name: 'NUL replaced', raw: ['a\u0000b'], value: ['a\ufffdb'], notes: 1 },
    { name: 'a lone surrogate replaced', raw: ['x\ud800'], value: ['x\ufffd'], notes: 1 },
    { name: 'cut to the tag limit', raw: ['t'.repeat(TAG_MAX + 6)], value: ['t'.repeat(TAG_MAX)], notes: 1 },
  ])('$name', ({ raw, value, notes }) => {
    const fitted = fitTags(raw);
    expect(fitted.value).toEqual(value);
    expect(fitted.notes).toHaveLength(notes);
  });

  it('keeps at most TAGS_MAX and says so', () => {
    const fitted = fitTags(Array.from({ length: TAGS_MAX + 5 }, (_, i) => `t${String(i).padStart(2, '0')}`));
    expect(fitted.value).toHaveLength(TAGS_MAX);
    expect(fitted.notes.join()).toMatch(/more than a defect's 50/);
  });

  it('gives what the API would store for any input, and is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 60 }), (raw) => {
        const { value } = fitTags(raw);
        expect(fitTags(value).value).toEqual(value);
        expect(normalizeTags(value)).toEqual(value);
        for (const t of value) {
          expect(t.isWellFormed() && !t.includes('\u0000')).toBe(true);
          expect(Array.from(t).length).toBeLessThanOrEqual(TAG_MAX);
        }
        expect(value.length).toBeLessThanOrEqual(TAGS_MAX);
      }),
    );
  });
});

describe('syncWarnings for tags', () => {
  it('names the tags a tracker cannot carry', () => {
    const jiraLike = { kind: 'jira' as const, canonical: (f: TicketFields) => ({ ...f, tags: f.tags.filter((t) => !/\s/.test(t)) }) };
    expect(syncWarnings(jiraLike, { ...BASE, tags: ['needs triage', 'ui'] }, new Set(['tags']))).toEqual(['Jira cannot carry the tag "needs triage"; kept on the defect only']);
    expect(syncWarnings(jiraLike, { ...BASE, tags: ['ui'] }, new Set(['tags']))).toEqual([]);
    expect(syncWarnings(jiraLike, { ...BASE, tags: ['needs triage'] }, new Set())).toEqual([]);
  });
});
