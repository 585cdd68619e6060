// Random tickets for the connectors' round-trip properties: canonical(fields, context) must equal what
// the tracker gives back after the connector wrote the ticket, whatever the sizes. Descriptions run from
// empty to past every tracker's limit; footers from none to ten runs with long names, 300-character
// messages and characters a JSON writer escapes (<, >, &); line ends LF, CRLF or CR; text with accents,
// emoji (surrogate pairs), no-break spaces, Markdown and a look-alike of our own footer.
import fc from 'fast-check';
import type { FailingRun, OutboundTicket, TicketContext, TicketFields } from '../../connectors/contract.ts';
import { DEFECT_STATUSES } from '../../src/domain/lifecycle.ts';
import { SEVERITIES } from '../../src/domain/severity.ts';

/** Fixed by default so CI replays the same cases; FC_SEED=<n> explores others (fast-check prints the seed of a failure). */
export const SEED = Number(process.env.FC_SEED ?? 20261201);

const PIECES = [
  'a', 'Z', 'word ', ' ', '\t', '\n', '\n\n', '\r\n', '\r\n\r\n', '\r', '\u00a0', 'é', '😀', '<', '>', '&', '"', "'", '=',
  '`', '*', '-', '#', '> ', '- ', '1. ', '---', '\n---\n', '\n---\n_Synced by Defect Sync_\n', '\n---\nSynced by Defect Sync\n',
];

/** A short text made of the pieces above. */
export const chunk = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 }).map((p) => p.join(''));

/** A description of about `length` characters: a chunk repeated (so sizes past 70,000 stay cheap to make). */
export const description = fc.oneof(
  { weight: 3, arbitrary: fc.array(chunk, { maxLength: 8 }).map((c) => c.join('')) },
  {
    weight: 2,
    arbitrary: fc.tuple(chunk, fc.integer({ min: 1, max: 72_000 }), chunk).map(([c, length, tail]) => `${c.repeat(Math.ceil(length / c.length))}${tail}`),
  },
  // Right at GitHub's and Jira's limits, where an off-by-one would show.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(32_767, 65_536, 65_000, 61_000, 32_000, 24_000), fc.constantFrom('a', '😀', '<', 'é ')).map(([n, c]) => c.repeat(Math.ceil(n / c.length))) },
);

const name = (max: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'b', ' ', '<', '>', '&', '`', 'é', '😀', '/'), minLength: 1, maxLength: 40 }),
    fc.tuple(fc.constantFrom('<', '&', 'x', '>'), fc.integer({ min: 1, max: max })).map(([c, n]) => c.repeat(n)),
  ).map((s) => s.trim() || 'x');

const run: fc.Arbitrary<FailingRun> = fc.record({
  testCase: name(500),
  launch: name(200),
  message: fc.oneof(fc.constant(null), fc.string({ maxLength: 50 }), fc.tuple(fc.constantFrom('<', '&', 'm', '>'), fc.integer({ min: 1, max: 2000 })).map(([c, n]) => c.repeat(n))),
  ranAt: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
});

export const context = (defectId: string): fc.Arbitrary<TicketContext> =>
  fc
    .record({
      runs: fc.array(run, { maxLength: 10 }),
      extra: fc.integer({ min: 0, max: 500 }),
      key: fc.integer({ min: 1, max: 99_999 }),
      longUrl: fc.boolean(),
    })
    .map(({ runs, extra, key, longUrl }) => ({
      defectId,
      defectKey: `DEF-${key}`,
      defectUrl: `https://defects.example${longUrl ? `/${'path/'.repeat(40)}` : '/'}api/defects/DEF-${key}`,
      failingRuns: runs,
      failingRunCount: runs.length + (runs.length === 10 ? extra : 0),
    }));

/**
 * Tags as a defect holds them (normalizeTags), with the ones some tracker cannot carry: a space (a Jira
 * label cannot), 51+ characters (a GitHub label cannot), a severity label's name, names equal but for case.
 */
export const TAG_PIECES = ['ui', 'UI', 'flaky', 'payments', 'two words', 'é😀', 'severity: high', 'x'.repeat(51), 'v1.2', 'a-b_c'];
const tags = fc.subarray(TAG_PIECES, { maxLength: 6 }).map((t) => [...new Set(t)].sort());
/** Milestones; each exists as a Jira version in the Jira round trip. */
export const MILESTONES = ['2.4', 'Sprint 12', 'Q4 2026 release', 'é😀'];

export const fields = (assignees: readonly (string | null)[]): fc.Arbitrary<TicketFields> =>
  fc.record({
    title: fc.string({ unit: fc.constantFrom('a', 'B', ' ', 'é', '😀', '<'), minLength: 1, maxLength: 60 }).map((s) => s.trim() || 'Title'),
    description,
    severity: fc.constantFrom(...SEVERITIES),
    status: fc.constantFrom(...DEFECT_STATUSES),
    assignee: fc.constantFrom(...assignees),
    milestone: fc.constantFrom(null, ...MILESTONES),
    tags,
  });

export const tickets = (defectId: string, assignees: readonly (string | null)[] = [null]): fc.Arbitrary<OutboundTicket> =>
  fc.record({ fields: fields(assignees), context: context(defectId) });
