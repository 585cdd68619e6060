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
    mapping: asanaMappingSchema.parse({ severityField: fake.severityField() }),
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

        await asana.update(ref, second, changes('description', 'context', 'title'), created.fields);
        const updated = await asana.read(ref);
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
});
