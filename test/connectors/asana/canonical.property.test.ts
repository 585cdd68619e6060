// canonical(fields, context) == what Asana gives back after the connector wrote the ticket, for any
// sizes, footers, line ends and unicode; and a person's notes stay whole when only the footer is
// rewritten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createAsanaConnector } from '../../../connectors/asana/connector.ts';
import { asanaMappingSchema } from '../../../connectors/asana/mapping.ts';
import { People } from '../../../connectors/people.ts';
import type { Connector, TicketChange } from '../../../connectors/contract.ts';
import { createAsanaFake } from '../../../fakes/asana/server.ts';
import { DEFECT_ID } from '../shared.ts';
import { chunk, SEED, tickets } from '../roundtrip.ts';

const TOKEN = '2/1200000000000001/1209999999999999:0123456789abcdef0123456789abcdef';
const fake = createAsanaFake({ token: TOKEN });
let asana: Connector;
let ada: string;

beforeAll(async () => {
  await fake.tracker.start();
  const [user] = fake.users();
  ada = user!.email;
  asana = createAsanaConnector({
    settings: { token: TOKEN, workspaceGid: fake.workspaceGid, projectGid: fake.project.gid, apiUrl: fake.apiUrl },
    mapping: asanaMappingSchema.parse({ severityField: fake.severityField(), milestoneField: { gid: fake.addTextField('Milestone') } }),
    people: new People([{ email: user!.email, asana: user!.gid }]),
  });
});
afterAll(() => fake.tracker.stop());

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);

describe('Asana round trip', () => {
  it('reads back canonical(fields, context) after a create and after a description update', async () => {
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID, [null, 'ada']), tickets(DEFECT_ID, [null]), async (first, second) => {
        const withAda = (t: typeof first) => (t.fields.assignee === 'ada' ? { ...t, fields: { ...t.fields, assignee: ada } } : t);
        const one = withAda(first);
        const ref = await asana.create(one);
        const created = await asana.read(ref);
        expect(created.fields).toEqual(asana.canonical(one.fields, one.context));
        expect(asana.canonical(created.fields)).toEqual(created.fields);
        expect(created.descriptionCut ?? false).toBe(false);

        await asana.update(ref, second, changes('description', 'context', 'title', 'tags', 'milestone'), created.fields);
        const updated = await asana.read(ref);
        expect(updated.fields.tags).toEqual(asana.canonical(second.fields).tags);
        expect(updated.fields.milestone).toBe(asana.canonical(second.fields).milestone);
        expect(updated.fields.description).toBe(asana.canonical(second.fields, second.context).description);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 300_000);

  it("keeps a person's notes whole when only the footer is rewritten", async () => {
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID), fc.array(chunk, { maxLength: 6 }), tickets(DEFECT_ID), async (first, pieces, next) => {
        const ref = await asana.create(first);
        fake.editTask(ref.remoteId, { notes: pieces.join('') });
        const before = (await asana.read(ref)).fields.description;
        await asana.update(ref, next, changes('context', 'severity'), null);
        const after = await asana.read(ref);
        expect(after.fields.description).toBe(before);
        expect(after.fields.severity).toBe(next.fields.severity);
      }),
      { seed: SEED, numRuns: 40 },
    );
  }, 300_000);

  it('keeps formatted blocks of html_notes through any edit of the plain paragraphs around them', async () => {
    const plain = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '😀', '<', '&', '>'), minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '');
    const rich = fc.constantFrom(
      { html: 'Check <strong>login</strong> flow', text: 'Check login flow' },
      { html: 'See <a href="https://logs.example/1">the log</a>', text: 'See the log' },
      { html: '<ul><li>one</li><li>two &amp; three</li></ul>', text: 'one\ntwo & three' },
    );
    const escape = (t: string) => t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    const block = fc.oneof(rich, plain.map((text) => ({ html: escape(text), text })));
    await fc.assert(
      fc.asyncProperty(tickets(DEFECT_ID), fc.array(block, { minLength: 1, maxLength: 6 }), fc.array(fc.option(plain), { maxLength: 6 }), async (first, blocks, edits) => {
        const ref = await asana.create(first);
        const html = (fake.task(ref.remoteId) as { html_notes: string }).html_notes;
        const footer = html.slice(html.indexOf('---\nSynced by Defect Sync'), -'</body>'.length);
        fake.editTask(ref.remoteId, { html_notes: `<body>${blocks.map((b) => b.html).join('\n\n')}\n\n${footer}</body>` });
        const richOnes = blocks.filter((b) => b.html.includes('<'));
        // Each plain paragraph changed, dropped (null) or kept; formatted ones kept.
        const paragraphs = blocks.flatMap((b, i) => (b.html.includes('<') || i >= edits.length ? [b.text] : edits[i] === null ? [] : [edits[i]!]));
        const next = { ...first, fields: { ...first.fields, description: paragraphs.join('\n\n') } };
        const result = await asana.update(ref, next, changes('description'), null);
        expect(result.withheld ?? []).toEqual([]);
        const after = await asana.read(ref);
        expect(after.fields.description).toBe(asana.canonical(next.fields, next.context).description);
        const stored = (fake.task(ref.remoteId) as { html_notes: string }).html_notes;
        for (const b of richOnes) expect(stored).toContain(b.html);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 300_000);
});
