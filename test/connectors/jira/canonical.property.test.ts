// canonical(fields, context) == what Jira gives back after the connector wrote the ticket, for any
// sizes: an over-long description cut to fit 32,767 characters of ADF, footers from none to ten long
// runs full of characters a JSON writer escapes (<, >, & count six), CRLF, unicode. The fake refuses a
// description field over the limit, as Jira does. A person's document is kept node for node when only
// the footer is rewritten, however large the footer grows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import nock from 'nock';
import type { Connector, TicketChange } from '../../../connectors/contract.ts';
import { createJiraFake, type JiraFake } from '../../../fakes/jira/server.ts';
import { jiraSize, JIRA_TEXT_LIMIT } from '../../../connectors/jira/fit.ts';
import { ALICE, BOB, connectorFor, DEFECT_ID } from './helpers.ts';
import { chunk, MILESTONES, SEED, tickets } from '../roundtrip.ts';

let fake: JiraFake;
let jira: Connector;

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  fake = createJiraFake({ users: [{ accountId: ALICE.jira, displayName: 'Alice' }, { accountId: BOB.jira, displayName: 'Bob' }] });
  await fake.tracker.start();
  for (const m of MILESTONES) fake.addVersion(m);
  jira = connectorFor(fake.tracker.baseUrl);
});
afterAll(async () => {
  await fake.tracker.stop();
  nock.enableNetConnect();
});

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);

/** A document of plain paragraphs, one per line of `text`. */
function docOf(text: string) {
  const paragraphs = text.split(/[\r\n]+/).filter((p) => p.trim());
  return { type: 'doc', version: 1, content: paragraphs.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })) };
}

/** The largest document of `piece` repeated whose size is at most `size`. */
function docNear(piece: string, size: number) {
  let lo = 0;
  let hi = Math.ceil(size / Math.max(1, piece.length));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jiraSize(docOf(piece.repeat(mid))) <= size) lo = mid;
    else hi = mid - 1;
  }
  return docOf(piece.repeat(lo));
}

describe('Jira round trip', () => {
  it('reads back canonical(fields, context) after a create and after a description update, and flags only our own cut', async () => {
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID, [null, ALICE.email]), tickets(DEFECT_ID, [null, BOB.email]), async (first, second) => {
        const ref = await jira.create(first);
        const created = await jira.read(ref);
        expect(created.fields).toEqual(jira.canonical(first.fields, first.context));
        expect(jira.canonical(created.fields)).toEqual(created.fields);
        expect(created.descriptionCut ?? false).toBe(jira.canonical(first.fields, first.context).description !== jira.canonical(first.fields).description);

        await jira.update(ref, second, changes('description', 'context', 'title', 'tags', 'milestone'), created.fields);
        const updated = await jira.read(ref);
        expect(updated.fields.tags).toEqual(jira.canonical(second.fields).tags);
        expect(updated.fields.milestone).toBe(jira.canonical(second.fields).milestone);
        // The marker label stays whatever the tags do.
        expect(updated.markerDefectId).toBe(DEFECT_ID);
        expect(updated.fields.description).toBe(jira.canonical(second.fields, second.context).description);
        expect(jiraSize(fake.issue(ref.remoteId).description)).toBeLessThanOrEqual(JIRA_TEXT_LIMIT);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 300_000);

  it("keeps a person's document whole when only the footer is rewritten, however large the footer grows", async () => {
    // A person's description of plain paragraphs: small, or close to Jira's limit (up to `slack` below it).
    const person = fc.tuple(chunk, fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 3_000 })));
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID), person, tickets(DEFECT_ID), async (first, [c, slack], next) => {
        const ref = await jira.create({ ...first, fields: { ...first.fields, description: 'placeholder' } });
        const doc = slack === null ? docOf(c) : docNear(c, JIRA_TEXT_LIMIT - slack);
        fake.edit(ref.remoteId, { description: doc });
        const before = (await jira.read(ref)).fields.description;
        const result = await jira.update(ref, next, changes('context', 'severity'), null);
        expect((await jira.read(ref)).fields.description).toBe(before);
        const stored = fake.issue(ref.remoteId).description as { content: unknown[] };
        // Either the new footer is there under the person's nodes, or the write was held back and said so.
        if ((result.withheld ?? []).length) expect(stored).toEqual(doc);
        else {
          expect(stored.content.slice(0, doc.content.length)).toEqual(doc.content);
          expect(JSON.stringify(stored)).toContain(next.context.defectUrl);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  }, 300_000);
});
