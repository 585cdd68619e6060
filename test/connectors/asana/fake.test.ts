// The Asana connector against the local fake Asana: state carried across requests, as with the real one.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAsanaConnector } from '../../../connectors/asana/connector.ts';
import { createAsanaFake } from '../../../fakes/asana/server.ts';
import { asanaMappingSchema, type AsanaMapping } from '../../../connectors/asana/mapping.ts';
import { People } from '../../../connectors/people.ts';
import type { Connector, TicketRef } from '../../../connectors/contract.ts';
import { DEFECT_ID, ticket, trackerError } from '../shared.ts';

const TOKEN = '2/1200000000000001/1209999999999999:0123456789abcdef0123456789abcdef';
const fake = createAsanaFake({ token: TOKEN });
let people: People;

function connector(mapping: Partial<AsanaMapping> = {}, token = TOKEN, timeoutMs?: number): Connector {
  return createAsanaConnector({
    settings: { token, workspaceGid: fake.workspaceGid, projectGid: fake.project.gid, apiUrl: fake.apiUrl },
    mapping: asanaMappingSchema.parse(mapping),
    people,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}

beforeAll(async () => {
  await fake.tracker.start();
  const [ada, grace] = fake.users();
  people = new People([
    { email: ada!.email, asana: ada!.gid },
    { email: grace!.email, asana: grace!.gid },
  ]);
});
afterAll(() => fake.tracker.stop());
afterEach(() => {
  fake.tracker.clearFaults();
  fake.tracker.latencyMs = 0;
});

describe.each([
  ['severity in the notes footer', {}],
  ['severity as the enum custom field', 'field'],
] as const)('round trip with %s', (_name, variant) => {
  const mapping = () => (variant === 'field' ? { severityField: fake.severityField() } : {});

  it('create → read gives canonical(fields), in one POST', async () => {
    const c = connector(mapping());
    const t = ticket({ title: '  Spaces around  ', assignee: 'ADA@example.com', severity: 'critical' });
    const before = fake.tracker.count('ticket.create');
    const ref = await c.create(t);
    expect(fake.tracker.count('ticket.create')).toBe(before + 1);
    expect(ref.remoteId).toMatch(/^\d+$/);
    expect(ref.key).toBe(ref.remoteId);
    expect(ref.url).toBe(fake.task(ref.remoteId)!['permalink_url']);
    const remote = await c.read(ref);
    expect(remote.fields).toEqual(c.canonical(t.fields));
    expect(remote.markerDefectId).toBe(DEFECT_ID);
    expect(remote.updatedAt.getTime()).toBe(Date.parse(fake.task(ref.remoteId)!['modified_at'] as string));
  });

  it('updates each field with one PUT and reads it back', async () => {
    const c = connector(mapping());
    const t = ticket();
    const ref = await c.create(t);
    const steps = [
      { title: 'New title' },
      { description: 'New description' },
      { severity: 'low' as const },
      { assignee: 'grace@example.com' },
      { assignee: null },
      { status: 'resolved' as const },
      { status: 'reopened' as const },
    ];
    let fields = t.fields;
    for (const step of steps) {
      fields = { ...fields, ...step };
      const before = fake.tracker.count('ticket.update');
      const now = await c.update(ref, { ...t, fields }, new Set(Object.keys(step) as (keyof typeof step)[]));
      expect(fake.tracker.count('ticket.update')).toBe(before + 1);
      expect(now).toEqual(ref);
      expect((await c.read(ref)).fields).toEqual(c.canonical(fields));
    }
  });
});

describe('Asana connector against the fake', () => {
  it('writes severity into the enum field when configured, and only the footer otherwise', async () => {
    const field = fake.severityField();
    const ref = await connector({ severityField: field }).create(ticket({ severity: 'low' }));
    const native = fake.task(ref.remoteId)!;
    const value = (native['custom_fields'] as { gid: string; enum_value: { gid: string } | null }[]).find((f) => f.gid === field.gid);
    expect(value?.enum_value?.gid).toBe(field.options.low);
    expect(native['notes']).toContain('Severity: low');

    const plain = await connector().create(ticket({ severity: 'low' }));
    const none = (fake.task(plain.remoteId)!['custom_fields'] as { enum_value: unknown }[]).map((f) => f.enum_value);
    expect(none).toEqual([null]);
  });

  it('reads a severity someone picked in Asana, overriding the footer', async () => {
    const field = fake.severityField();
    const c = connector({ severityField: field });
    const ref = await c.create(ticket({ severity: 'low' }));
    fake.editTask(ref.remoteId, { severityOption: field.options.critical });
    expect((await c.read(ref)).fields.severity).toBe('critical');
  });

  it('creates a defect that is already resolved as a completed task in the same call', async () => {
    const c = connector();
    const before = fake.tracker.calls.length;
    const ref = await c.create(ticket({ status: 'closed' }));
    expect(fake.tracker.calls.length).toBe(before + 1);
    expect(fake.task(ref.remoteId)!['completed']).toBe(true);
    expect((await c.read(ref)).fields.status).toBe('resolved');
  });

  it('makes a task created fixed in one call, completed included, with no follow-up to report to onCreated', async () => {
    const c = connector();
    const seen: string[] = [];
    const before = fake.tracker.calls.length;
    const ref = await c.create(ticket({ status: 'resolved' }), async (created) => void seen.push(created.remoteId));
    expect(fake.task(ref.remoteId)).toMatchObject({ completed: true });
    // The engine records the returned ref with the sync's own write: no call follows the create.
    expect(seen).toEqual([]);
    expect(fake.tracker.calls.slice(before).map((call) => call.route)).toEqual(['ticket.create']);
  });

  it('re-renders the notes when only the context changed', async () => {
    const c = connector();
    const t = ticket();
    const ref = await c.create(t);
    const changed = { ...t, context: { ...t.context, failingRuns: [] } };
    await c.update(ref, changed, new Set(['context']));
    expect(fake.task(ref.remoteId)!['notes']).not.toContain('Failing tests');
    expect(fake.tracker.calls.at(-1)!.body).toEqual({ data: { notes: expect.stringContaining('Severity: high') } });
  });

  it('keeps what a person wrote in the notes when only the footer changes (context, severity)', async () => {
    const c = connector();
    const t = ticket();
    const ref = await c.create(t);
    const footer = String(fake.task(ref.remoteId)!['notes']).slice(String(fake.task(ref.remoteId)!['notes']).indexOf('---\nSynced by Defect Sync'));
    fake.editTask(ref.remoteId, { notes: `Rewritten in Asana:\n  1. open\n  2. pay\n\n${footer}` });
    const before = fake.tracker.calls.length;
    await c.update(ref, { ...ticket({ severity: 'low' }), context: { ...t.context, failingRuns: [] } }, new Set(['context', 'severity']));
    expect(fake.tracker.calls.slice(before).map((call) => call.route)).toEqual(['ticket.get', 'ticket.update']);
    const notes = String(fake.task(ref.remoteId)!['notes']);
    expect(notes.startsWith('Rewritten in Asana:\n  1. open\n  2. pay\n\n---\nSynced by Defect Sync\n')).toBe(true);
    expect(notes).toContain('Severity: low');
    expect(notes).not.toContain('Failing tests');
    expect((await c.read(ref)).fields.description).toBe('Rewritten in Asana:\n  1. open\n  2. pay');
  });

  it('writes nothing to a task that left the project', async () => {
    const c = connector();
    const elsewhere = fake.addTask({ name: 'moved away', notes: 'kept', projectGid: fake.addProject('Elsewhere').gid });
    const ref: TicketRef = { remoteId: elsewhere.gid, key: elsewhere.gid, url: '' };
    const before = fake.tracker.count('ticket.update');
    expect((await trackerError(c.update(ref, ticket({ title: 'overwritten?' }), new Set(['title', 'context'])))).kind).toBe('moved');
    expect(fake.tracker.count('ticket.update')).toBe(before);
    expect(fake.task(elsewhere.gid)).toMatchObject({ name: 'moved away', notes: 'kept' });
  });

  it('makes no request for an empty change set', async () => {
    const c = connector();
    const ref = await c.create(ticket());
    const before = fake.tracker.calls.length;
    expect(await c.update(ref, ticket(), new Set())).toEqual(ref);
    expect(fake.tracker.calls.length).toBe(before);
  });

  it('finds its ticket by marker, and not another defect’s', async () => {
    const c = connector();
    const since = new Date();
    const [a, b] = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];
    const refA = await c.create(ticket({}, a));
    const refB = await c.create(ticket({}, b));
    expect(await c.findByMarker(a, since)).toEqual(refA);
    expect(await c.findByMarker(b.toUpperCase(), since)).toEqual(refB);
    expect(await c.findByMarker('99999999-9999-4999-8999-999999999999', since)).toBeNull();
  });

  it('pages through the project’s modified tasks to find the marker', async () => {
    const c = connector();
    const since = new Date();
    for (let i = 0; i < 101; i++) fake.addTask({ name: `filler ${i}`, notes: 'made by hand' });
    const ref = await c.create(ticket({}, '77777777-7777-4777-8777-777777777777'));
    const before = fake.tracker.count('ticket.find');
    expect(await c.findByMarker('77777777-7777-4777-8777-777777777777', since)).toEqual(ref);
    expect(fake.tracker.count('ticket.find') - before).toBeGreaterThanOrEqual(2);
  });

  it('does not find a ticket last modified before the window', async () => {
    const c = connector();
    const id = '88888888-8888-4888-8888-888888888888';
    await c.create(ticket({}, id));
    expect(await c.findByMarker(id, new Date(Date.now() + 10 * 60_000))).toBeNull();
  });

  it('looks up a gid and both kinds of Asana links', async () => {
    const c = connector();
    const ref = await c.create(ticket());
    const gid = ref.remoteId;
    for (const input of [
      gid,
      `https://app.asana.com/0/${fake.project.gid}/${gid}`,
      `https://app.asana.com/0/${fake.project.gid}/${gid}/f`,
      `https://app.asana.com/1/${fake.workspaceGid}/project/${fake.project.gid}/task/${gid}`,
    ]) {
      const remote = await c.lookup(input);
      expect(remote.remoteId).toBe(gid);
      expect(remote.markerDefectId).toBe(DEFECT_ID);
    }
  });

  it('rejects a task outside the configured project, and junk', async () => {
    const c = connector();
    const elsewhere = fake.addTask({ name: 'other', projectGid: fake.addProject('Elsewhere').gid });
    const err = await trackerError(c.lookup(elsewhere.gid));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain(fake.project.gid);
    expect((await trackerError(c.lookup('not a task'))).kind).toBe('rejected');
    expect((await trackerError(c.lookup(`https://app.asana.com/1/123/task/${elsewhere.gid}`))).kind).toBe('rejected');
  });

  it('reports a deleted task as gone', async () => {
    const c = connector();
    const ref = await c.create(ticket());
    fake.deleteTask(ref.remoteId);
    expect((await trackerError(c.read(ref))).kind).toBe('gone');
    expect((await trackerError(c.update(ref, ticket(), new Set(['title'])))).kind).toBe('gone');
    expect((await trackerError(c.lookup(ref.remoteId))).kind).toBe('gone');
  });

  it('reports a task that left the project as moved', async () => {
    const c = connector();
    const elsewhere = fake.addTask({ name: 'moved', projectGid: fake.addProject('Archive').gid });
    const ref: TicketRef = { remoteId: elsewhere.gid, key: elsewhere.gid, url: '' };
    expect((await trackerError(c.read(ref))).kind).toBe('moved');
  });

  it('turns injected 500, 429 and 401 into the right kinds', async () => {
    const c = connector();
    const ref = await c.create(ticket());
    fake.tracker.fail({ status: 500, route: 'ticket.get' });
    const e500 = await trackerError(c.read(ref));
    expect(e500.kind).toBe('transient');
    expect(e500.message).toContain('6 sad squid snuggle softly');
    fake.rateLimit(17, { route: 'ticket.update' });
    const e429 = await trackerError(c.update(ref, ticket({ title: 'x' }), new Set(['title'])));
    expect(e429).toMatchObject({ kind: 'rate_limited', retryAfterMs: 17_000, status: 429 });
    fake.tracker.fail({ status: 401, route: 'ticket.create' });
    expect(await trackerError(c.create(ticket()))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('is refused with Asana’s 401 for a wrong token, which never shows in the error', async () => {
    const wrong = 'not-the-token-0123456789';
    const err = await trackerError(connector({}, wrong).create(ticket()));
    expect(err).toMatchObject({ kind: 'rejected', status: 401 });
    expect(err.message).toContain('Not Authorized');
    expect(JSON.stringify(err) + err.message + String(err.stack) + String((err.cause as Error | undefined)?.message)).not.toContain(wrong);
  });

  it('keeps each connector’s token and base URL to itself', async () => {
    const wrong = connector({}, 'other-token');
    const right = connector();
    expect((await trackerError(wrong.create(ticket()))).status).toBe(401);
    await expect(right.create(ticket())).resolves.toMatchObject({ remoteId: expect.any(String) });
    expect((await trackerError(wrong.create(ticket()))).status).toBe(401);
  });

  it('surfaces the fake’s validation errors as rejected with Asana’s message', async () => {
    const c = connector({ severityField: { gid: '1', options: { critical: '2', high: '3', medium: '4', low: '5' } } });
    const err = await trackerError(c.create(ticket()));
    expect(err.kind).toBe('rejected');
    expect(err.status).toBe(400);
    expect(err.message).toContain('Custom field with ID 1');
  });

  it('times out a slow answer as transient', async () => {
    const c = connector({}, TOKEN, 100);
    fake.tracker.latencyMs = 400;
    const err = await trackerError(c.create(ticket()));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('timed out');
  });
});
