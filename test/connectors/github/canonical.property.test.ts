// canonical(fields, context) == what GitHub gives back after the connector wrote the ticket, for any
// sizes: the cut of an over-long description, footers from none to ten long runs, CRLF, unicode. The
// fake refuses bodies over 65,536 characters and titles over 256 (422), as GitHub does, so a render
// that does not fit fails here. A person's text under the footer is never cut to make room for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Connector, TicketChange } from '../../../connectors/contract.ts';
import { textLength } from '../../../connectors/body.ts';
import { createGithubFake, type GithubFake } from '../../../fakes/github/server.ts';
import { connector, DEFECT_ID } from './helpers.ts';
import { chunk, SEED, tickets } from '../roundtrip.ts';

let fake: GithubFake;
let gh: Connector;

beforeAll(async () => {
  fake = createGithubFake({ repository: 'acme/app', collaborators: ['ann-gh'] });
  await fake.tracker.start();
  gh = connector({ apiUrl: fake.tracker.baseUrl, token: fake.token });
});
afterAll(() => fake.tracker.stop());

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);
const bodyOf = (n: string) => String(fake.issue(Number(n))['body'] ?? '');

describe('GitHub round trip', () => {
  it('reads back canonical(fields, context) after a create and after a description update, and flags only our own cut', async () => {
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID, [null, 'ann@example.com']), tickets(DEFECT_ID, [null, 'ann@example.com']), async (first, second) => {
        const ref = await gh.create(first);
        const created = await gh.read(ref);
        // GitHub matches label names case-insensitively and keeps the repository's spelling ('UI' made
        // earlier answers for 'ui'): the same tags, perhaps spelled as the repository spells them.
        const folded = (tags: string[]) => tags.map((t) => t.toLowerCase()).sort();
        const expected = gh.canonical(first.fields, first.context);
        expect({ ...created.fields, tags: folded(created.fields.tags) }).toEqual({ ...expected, tags: folded(expected.tags) });
        // What was read is its own canonical form: nothing more is cut from it or folded.
        expect(gh.canonical(created.fields)).toEqual(created.fields);
        expect(created.descriptionCut ?? false).toBe(gh.canonical(first.fields, first.context).description !== gh.canonical(first.fields).description);
        expect(textLength(bodyOf(ref.remoteId))).toBeLessThanOrEqual(65_536);

        await gh.update(ref, second, changes('description', 'context', 'title', 'status', 'tags', 'milestone'), created.fields);
        const updated = await gh.read(ref);
        expect(folded(updated.fields.tags)).toEqual(folded(gh.canonical(second.fields).tags));
        expect(updated.fields.milestone).toBe(gh.canonical(second.fields).milestone);
        expect(updated.fields.description).toBe(gh.canonical(second.fields, second.context).description);
        expect(updated.fields.title).toBe(gh.canonical(second.fields, second.context).title);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 300_000);

  it("keeps a person's text whole when only the footer is rewritten, however large the footer grows", async () => {
    // A person's body of up to 65,536 characters, written in the web editor (CRLF line ends).
    const person = fc
      .tuple(chunk, fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 55_000, max: 65_536 })))
      .map(([c, n]) => Array.from(c.replace(/\r?\n/g, '\r\n').repeat(Math.ceil((n + 1) / c.length))).slice(0, n).join(''));
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID), person, tickets(DEFECT_ID), async (first, written, next) => {
        const ref = await gh.create({ ...first, fields: { ...first.fields, description: 'placeholder' } });
        // The person replaces the whole body, footer and all.
        const body = written;
        fake.editByHand(Number(ref.remoteId), { body });
        const before = (await gh.read(ref)).fields.description;
        const result = await gh.update(ref, next, changes('context', 'severity'), null);
        const after = await gh.read(ref);
        expect(after.fields.description).toBe(before);
        expect(textLength(bodyOf(ref.remoteId))).toBeLessThanOrEqual(65_536);
        // Either the new footer is there, or the write was held back and said so.
        const withheld = result.withheld ?? [];
        if (withheld.length) expect(bodyOf(ref.remoteId)).toBe(body);
        else expect(bodyOf(ref.remoteId)).toContain(`[${next.context.defectKey}](${next.context.defectUrl})`);
      }),
      { seed: SEED, numRuns: 40 },
    );
  }, 300_000);
});
