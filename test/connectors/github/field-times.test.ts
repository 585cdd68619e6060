// When each field last changed on GitHub, from the issue's events (oldest first, 100 a page): the time a
// conflict is decided by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, TicketField, TicketRef } from '../../../connectors/contract.ts';
import { createGithubFake } from '../../../fakes/github/server.ts';
import { connector } from './helpers.ts';

let clock = Date.parse('2026-11-20T08:00:00Z');
const fake = createGithubFake({ repository: 'acme/app', now: () => clock });
let gh: Connector;

beforeAll(async () => {
  await fake.tracker.start();
  gh = connector({ apiUrl: fake.tracker.baseUrl, token: fake.token });
});
afterAll(() => fake.tracker.stop());

/** A person's edit a minute after the last one; returns its time. */
function editLater(n: number, edit: Parameters<typeof fake.editByHand>[1]): Date {
  clock += 60_000;
  fake.editByHand(n, edit);
  return new Date(clock);
}

/** Toggles of a label that is not severity (the labels in `keep` stay): `count` events. */
function noise(n: number, count: number, keep: string[] = []): void {
  for (let i = 0; i < count; i++) editLater(n, { labels: i % 2 === 0 ? [...keep, 'needs-repro'] : keep });
}

async function timesOf(n: number, fields: TicketField[]) {
  const ref: TicketRef = { remoteId: String(n), key: `acme/app#${n}`, url: '' };
  return gh.fieldTimes(ref, fields, await gh.read(ref));
}

describe('GitHub field times', () => {
  it('finds a rename on an earlier events page: 100 events ending in renamed, plus one labeled', async () => {
    const n = fake.createByHand({ title: 'Checkout total wrong' })['number'] as number;
    noise(n, 99);
    const renamedAt = editLater(n, { title: 'Checkout total wrong on Safari' });
    editLater(n, { labels: ['needs-repro', 'ui'] }); // the 99 toggles left needs-repro on
    expect(fake.state.issues.find((i) => i.number === n)!.events).toHaveLength(101);
    expect((await timesOf(n, ['title'])).title).toEqual(renamedAt);
  });

  it('reads back page by page from the newest until each field asked for is found', async () => {
    const n = fake.createByHand({ title: 'Export hangs' })['number'] as number;
    const severityAt = editLater(n, { labels: ['severity: high'] });
    noise(n, 250, ['severity: high']); // pages 1–3 of events, the severity label on page 1
    const closedAt = editLater(n, { state: 'closed' });
    const before = fake.tracker.count('ticket.events');
    const times = await timesOf(n, ['severity', 'status', 'description']);
    expect(times).toEqual({ severity: severityAt, status: closedAt, description: closedAt });
    expect(fake.tracker.count('ticket.events') - before).toBe(3);
  });
});
