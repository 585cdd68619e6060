// The Jira connector against the local fake Jira: state round trips, status moves through the
// workflow, key changes, marker lookups, and failures turned into the right TrackerError kinds.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import nock from 'nock';
import type { Connector, TicketChange, TicketRef } from '../../../connectors/contract.ts';
import type { DefectStatus } from '../../../src/domain/lifecycle.ts';
import { createJiraFake, type JiraFake } from '../../../fakes/jira/server.ts';
import { descriptionFromAdf } from '../../../connectors/jira/adf.ts';
import { ALICE, BOB, connectorFor, DEFECT_ID, MARKER, OTHER_DEFECT_ID, ticket } from './helpers.ts';
import { trackerError } from '../shared.ts';

let fake: JiraFake;
let jira: Connector;

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  fake = createJiraFake({
    users: [
      { accountId: ALICE.jira, displayName: 'Alice' },
      { accountId: BOB.jira, displayName: 'Bob' },
      { accountId: '557058:carol-0003', displayName: 'Carol (not in the people mapping)' },
    ],
  });
  await fake.tracker.start();
  jira = connectorFor(fake.tracker.baseUrl);
});

afterAll(async () => {
  await fake.tracker.stop();
  nock.enableNetConnect();
});

afterEach(() => {
  fake.tracker.clearFaults();
  fake.tracker.latencyMs = 0;
});


function callsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; routes: string[] }> {
  const before = fake.tracker.calls.length;
  return fn().then((result) => ({ result, routes: fake.tracker.calls.slice(before).map((c) => c.route) }));
}

describe('create and read', () => {
  it('reads back what canonical() predicts, with the marker label and the footer kept out of the description', async () => {
    const t = ticket({ title: 'Checkout\nfails   on expiry', description: '  First line\nsecond line\n\n\n\nNext paragraph  ' });
    const { result: ref, routes } = await callsDuring(() => jira.create(t));
    expect(routes).toEqual(['ticket.create']);
    expect(ref.key).toMatch(/^QA-\d+$/);
    expect(ref.url).toBe(`${fake.tracker.baseUrl}/browse/${ref.key}`);
    expect(ref.remoteId).toMatch(/^\d+$/);

    const stored = fake.issue(ref.remoteId);
    expect(stored.labels).toEqual([MARKER]);
    expect(stored.priority).toBe('High');
    expect(stored.assignee).toBe(ALICE.jira);
    expect(stored.issueType).toBe('Bug');
    expect(JSON.stringify(stored.description)).toContain('Synced by Defect Sync');

    const read = await jira.read(ref);
    expect(read.fields).toEqual(jira.canonical(t.fields));
    expect(read.fields.title).toBe('Checkout fails   on expiry');
    expect(read.fields.description).toBe('First line\nsecond line\n\nNext paragraph');
    expect(read.markerDefectId).toBe(DEFECT_ID);
    expect(read.key).toBe(ref.key);
    expect(read.updatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('creates an unassigned issue when the assignee has no Jira account', async () => {
    const ref = await jira.create(ticket({ assignee: 'nojira@example.com' }));
    expect(fake.issue(ref.remoteId).assignee).toBeNull();
    expect((await jira.read(ref)).fields.assignee).toBeNull();
  });

  it.each([
    ['in_progress', 'In Progress', 'in_progress'],
    ['resolved', 'Done', 'resolved'],
    ['closed', 'Done', 'resolved'],
  ] as const)('creates a defect already %s in %s', async (status, jiraStatus, readBack) => {
    const { result: ref, routes } = await callsDuring(() => jira.create(ticket({ status })));
    expect(routes).toEqual(['ticket.create', 'transition.list', 'transition.do']);
    expect(fake.state.status(fake.issue(ref.remoteId).statusId).name).toBe(jiraStatus);
    const read = await jira.read(ref);
    expect(read.fields.status).toBe(readBack);
    expect(read.fields.status).toBe(jira.canonical(ticket({ status }).fields).status);
  });

  it("lands closed in Won't Do when the mapping targets that status by name", async () => {
    const custom = connectorFor(fake.tracker.baseUrl, { mapping: { targets: { closed: "Won't Do" } } });
    const ref = await custom.create(ticket({ status: 'closed' }));
    expect(fake.state.status(fake.issue(ref.remoteId).statusId).name).toBe("Won't Do");
    expect((await custom.read(ref)).fields.status).toBe('closed');
    expect(custom.canonical(ticket({ status: 'closed' }).fields).status).toBe('closed');
  });
});

describe('update', () => {
  let ref: TicketRef;
  const base = ticket();

  beforeAll(async () => {
    ref = await jira.create(base);
  });

  async function update(fields: Parameters<typeof ticket>[0], changes: TicketChange[]) {
    const t = ticket(fields);
    const out = await callsDuring(() => jira.update(ref, t, new Set(changes)));
    return { ...out, t };
  }

  it('makes no request for an empty change set', async () => {
    const { result, routes } = await update({ title: 'ignored' }, []);
    expect(routes).toEqual([]);
    expect(result).toEqual(ref);
  });

  it('writes the title only, in one request', async () => {
    const { result, routes, t } = await update({ title: 'New title' }, ['title']);
    expect(routes).toEqual(['ticket.update']);
    expect(result).toEqual(ref);
    expect(fake.issue(ref.remoteId).summary).toBe('New title');
    expect((await jira.read(ref)).fields.title).toBe(jira.canonical(t.fields).title);
  });

  it('writes the description and keeps the footer', async () => {
    const { routes } = await update({ title: 'New title', description: 'Rewritten.\n\nWith steps.' }, ['description']);
    expect(routes).toEqual(['ticket.update']);
    const read = await jira.read(ref);
    expect(read.fields.description).toBe('Rewritten.\n\nWith steps.');
    expect(JSON.stringify(fake.issue(ref.remoteId).description)).toContain('DEF-42');
  });

  it('writes severity as the priority and re-renders the footer', async () => {
    await update({ title: 'New title', description: 'Rewritten.\n\nWith steps.', severity: 'critical' }, ['severity']);
    expect(fake.issue(ref.remoteId).priority).toBe('Highest');
    expect(JSON.stringify(fake.issue(ref.remoteId).description)).toContain('critical');
    expect((await jira.read(ref)).fields.severity).toBe('critical');
  });

  it('assigns and unassigns', async () => {
    await update({ assignee: BOB.email }, ['assignee']);
    expect(fake.issue(ref.remoteId).assignee).toBe(BOB.jira);
    expect((await jira.read(ref)).fields.assignee).toBe(BOB.email);
    await update({ assignee: null }, ['assignee']);
    expect(fake.issue(ref.remoteId).assignee).toBeNull();
  });

  it("re-renders only the footer on a context or severity change, keeping what a person wrote in Jira node for node", async () => {
    const personal = [
      { type: 'paragraph', content: [{ type: 'text', text: 'Check ' }, { type: 'text', text: 'login', marks: [{ type: 'strong' }] }, { type: 'text', text: ' flow' }] },
      { type: 'taskList', attrs: { localId: 'l' }, content: [{ type: 'taskItem', attrs: { localId: 'i', state: 'DONE' }, content: [{ type: 'text', text: 'retested' }] }] },
    ];
    const stored = fake.issue(ref.remoteId).description as { content: object[] };
    const footer = stored.content.slice(stored.content.findIndex((n) => (n as { type: string }).type === 'rule'));
    fake.edit(ref.remoteId, { description: { type: 'doc', version: 1, content: [...personal, ...footer] } });

    const t = ticket({ severity: 'low' });
    t.context.failingRuns.push({ testCase: 'checkout/other', launch: 'nightly #813', message: null, ranAt: '2026-11-25T02:10:00Z' });
    const { routes } = await callsDuring(() => jira.update(ref, t, new Set(['context', 'severity'])));
    expect(routes).toEqual(['ticket.get', 'ticket.update']);
    const doc = fake.issue(ref.remoteId).description as { content: object[] };
    expect(doc.content.slice(0, 2)).toEqual(personal);
    expect(JSON.stringify(doc.content.slice(2))).toContain('checkout/other');
    expect(JSON.stringify(doc.content.slice(2))).toContain('"low"');
    expect(descriptionFromAdf(doc)).toBe('Check login flow\n\n- [x] retested');
    expect(fake.issue(ref.remoteId).priority).toBe('Low');
  });

  it('adds the footer under a description without one (an issue made by hand)', async () => {
    fake.edit(ref.remoteId, { description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'By hand' }] }] } });
    await jira.update(ref, ticket(), new Set(['context']));
    const doc = fake.issue(ref.remoteId).description as { content: object[] };
    expect(doc.content[0]).toEqual({ type: 'paragraph', content: [{ type: 'text', text: 'By hand' }] });
    expect(JSON.stringify(doc)).toContain('Synced by Defect Sync');
    expect((await jira.read(ref)).fields.description).toBe('By hand');
  });

  it('moves the status through the workflow, and only reads when already there', async () => {
    const moves: [DefectStatus, string][] = [
      ['in_progress', 'In Progress'],
      ['resolved', 'Done'],
      ['reopened', 'To Do'],
      ['closed', 'Done'],
      ['open', 'To Do'],
    ];
    for (const [status, jiraStatus] of moves) {
      const { routes, result } = await update({ status }, ['status']);
      expect(routes).toEqual(['ticket.get', 'transition.list', 'transition.do']);
      expect(result).toEqual(ref);
      expect(fake.state.status(fake.issue(ref.remoteId).statusId).name).toBe(jiraStatus);
    }
    // 'reopened' targets the 'new' category too: already there, so no transition.
    const { routes } = await update({ status: 'reopened' }, ['status']);
    expect(routes).toEqual(['ticket.get']);
  });

  it('edits fields and moves status in one update', async () => {
    const { routes } = await update({ title: 'Both', status: 'in_progress' }, ['title', 'status']);
    expect(routes).toEqual(['ticket.update', 'ticket.get', 'transition.list', 'transition.do']);
    const read = await jira.read(ref);
    expect(read.fields.title).toBe('Both');
    expect(read.fields.status).toBe('in_progress');
  });

  it("prefers the transition that reads back as the defect status (Done over Won't Do) whatever the order", async () => {
    const other = await jira.create(ticket());
    const saved = fake.state.transitions;
    fake.setTransitions([...saved].reverse());
    try {
      await jira.update(other, ticket({ status: 'resolved' }), new Set(['status']));
      expect(fake.state.status(fake.issue(other.remoteId).statusId).name).toBe('Done');
    } finally {
      fake.setTransitions(saved);
    }
  });

  it('refuses a move no transition reaches, naming the target and what is available', async () => {
    const other = await jira.create(ticket());
    const saved = fake.state.transitions;
    fake.setTransitions([{ id: '21', name: 'Start progress', to: '10001', from: ['10000'] }]);
    try {
      const err = await trackerError(jira.update(other, ticket({ status: 'resolved' }), new Set(['status'])));
      expect(err.kind).toBe('rejected');
      expect(err.message).toContain('status category "done"');
      expect(err.message).toContain('"Start progress" → In Progress');
    } finally {
      fake.setTransitions(saved);
    }
  });
});

describe('assignee on create', () => {
  afterEach(() => {
    fake.state.defaultAssignee = null;
    fake.state.allowUnassigned = true;
  });

  it("creates an unassigned issue even where the project has a default assignee, as canonical() says", async () => {
    fake.state.defaultAssignee = BOB.jira;
    const t = ticket({ assignee: null });
    const ref = await jira.create(t);
    expect(fake.issue(ref.remoteId).assignee).toBeNull();
    expect((await jira.read(ref)).fields.assignee).toBe(jira.canonical(t.fields).assignee);
  });

  it('refuses, explaining why, where Jira does not allow unassigned issues', async () => {
    fake.state.allowUnassigned = false;
    const err = await trackerError(jira.create(ticket({ assignee: 'nojira@example.com' })));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('assignee: Issues must be assigned.');
    expect(err.message).toContain('map the assignee to a Jira account');
  });
});

describe('long descriptions', () => {
  const long = Array.from({ length: 800 }, (_, i) => `Step ${i}: <click> & wait for the 'pay' button = ok.`).join('\n');

  it('the fake refuses what Jira refuses: a description over 32,767 characters', () => {
    const doc = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x'.repeat(33_000) }] }] };
    expect(() => fake.edit(fake.issues()[0]!.id as string, { description: doc })).toThrow('The entered text is too long. It exceeds the allowed limit of 32,767 characters.');
  });

  it('cuts a description that does not fit, with a visible note, and reads back what canonical() predicts', async () => {
    const t = ticket({ description: long });
    const ref = await jira.create(t);
    const read = await jira.read(ref);
    expect(read.fields.description).toBe(jira.canonical(t.fields, t.context).description);
    expect(read.descriptionCut).toBe(true);
    expect(read.fields.description.length).toBeLessThan(long.length);
    expect(long.startsWith(read.fields.description.split('\n\n')[0]!)).toBe(true);
    expect(read.fields.description).toMatch(/Cut to fit Jira's limit of 32,767 characters.*linked below/);
    expect(JSON.stringify(fake.issue(ref.remoteId).description)).toContain('https://defects.example.com/defects/DEF-42');

    const more = ticket({ description: `${long}\nmore` });
    await jira.update(ref, more, new Set(['description']));
    expect((await jira.read(ref)).fields.description).toBe(jira.canonical(more.fields, more.context).description);
  });
});

describe('create that times out, then a retry (search index lag)', () => {
  afterEach(() => {
    fake.state.searchLagMs = 0;
  });

  it('does not answer "no issue" while the issue the timed-out create made is not yet searchable', async () => {
    const defectId = '0b5e7c1d-2a3f-4e6d-8b9c-dddddddddddd';
    fake.state.searchLagMs = 60_000;
    // The fake answers only after the latency, but stores the issue as soon as it has the request.
    fake.tracker.latencyMs = 1500;
    const slow = connectorFor(fake.tracker.baseUrl, { timeoutMs: 400 });
    const startedAt = new Date();
    const created: TicketRef[] = [];
    const err = await trackerError(slow.create(ticket({}, defectId), async (r) => void created.push(r)));
    expect(err.kind).toBe('transient');
    expect(created).toEqual([]);
    // The request landed all the same: Jira holds an issue the engine never heard of.
    const landed = () => fake.issues().filter((i) => ((i.fields as { labels: string[] }).labels ?? []).includes(`defect-sync-${defectId}`));
    await vi.waitFor(() => expect(landed()).toHaveLength(1));
    fake.tracker.latencyMs = 0;

    const waiting = await trackerError(jira.findByMarker(defectId, startedAt));
    expect(waiting.kind).toBe('transient');
    expect(waiting.message).toContain("waiting for Jira's search index");

    // Once the index has caught up, the retry finds it instead of creating a second issue.
    fake.state.searchLagMs = 0;
    const found = await jira.findByMarker(defectId, startedAt);
    expect(found?.key).toMatch(/^QA-\d+$/);
  });
});

describe('create refused by Jira, then a retry', () => {
  it('does not wait for the index when Jira refused every attempt (nothing was made)', async () => {
    const defectId = '0b5e7c1d-2a3f-4e6d-8b9c-eeeeeeeeeeee';
    const c = connectorFor(fake.tracker.baseUrl);
    const startedAt = new Date();
    fake.tracker.fail({ status: 500, route: 'ticket.create' });
    expect((await trackerError(c.create(ticket({}, defectId)))).status).toBe(500);
    expect(await c.findByMarker(defectId, startedAt)).toBeNull();
  });

  it("still waits after a gateway's 504, which may hide a create that went through", async () => {
    const defectId = '0b5e7c1d-2a3f-4e6d-8b9c-ffffffffffff';
    const c = connectorFor(fake.tracker.baseUrl);
    const startedAt = new Date();
    fake.tracker.fail({ status: 504, route: 'ticket.create' });
    await trackerError(c.create(ticket({}, defectId)));
    expect((await trackerError(c.findByMarker(defectId, startedAt))).message).toContain("waiting for Jira's search index");
  });
});

describe('changedSince', () => {
  it('lists the project’s changes and, of the linked issues, those changed in another project, leaving out ids that are gone', async () => {
    const since = new Date(Date.now() - 1000);
    const stays = await jira.create(ticket({ title: 'stays in QA' }));
    const moved = await jira.create(ticket({ title: 'moved to OPS' }));
    const deleted = await jira.create(ticket({ title: 'deleted' }));
    fake.moveIssue(moved.remoteId, 'OPS');
    fake.deleteIssue(deleted.remoteId);
    const before = fake.tracker.count('ticket.bulkfetch');
    const linked = [stays.remoteId, moved.remoteId, deleted.remoteId];
    const changed = await jira.changedSince(since, 500, linked);
    expect(changed.map((c) => c.remoteId).filter((id) => linked.includes(id)).sort()).toEqual([stays.remoteId, moved.remoteId].sort());
    expect(changed.map((c) => c.updatedAt.getTime())).toEqual(changed.map((c) => c.updatedAt.getTime()).toSorted((a, b) => a - b));
    expect(fake.tracker.count('ticket.bulkfetch') - before).toBe(1);
    // Without the links the moved issue is out of sight: the project filter is applied as Jira does.
    expect((await jira.changedSince(since, 500)).map((c) => c.remoteId)).not.toContain(moved.remoteId);
  });

  it('leaves a change elsewhere newer than a listing cut short to the next pass, so the answer has no gap', async () => {
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date();
    const first = await jira.create(ticket({ title: 'first' }));
    const moved = await jira.create(ticket({ title: 'moved' }));
    await jira.create(ticket({ title: 'second' }));
    fake.moveIssue(moved.remoteId, 'OPS'); // the newest change
    const cut = await jira.changedSince(since, 1, [first.remoteId, moved.remoteId]);
    expect(cut.map((c) => c.remoteId)).toEqual([first.remoteId]);
    const all = await jira.changedSince(since, 500, [first.remoteId, moved.remoteId]);
    expect(all.at(-1)!.remoteId).toBe(moved.remoteId);
  });
});

describe('key changes', () => {
  it('returns the key Jira reports now after the issue moved to another project', async () => {
    const ref = await jira.create(ticket());
    fake.moveIssue(ref.remoteId, 'OPS-7');
    const afterEdit = await jira.update(ref, ticket({ title: 'Moved' }), new Set(['title']));
    expect(afterEdit).toEqual({ remoteId: ref.remoteId, key: 'OPS-7', url: `${fake.tracker.baseUrl}/browse/OPS-7` });
    const afterMove = await jira.update(ref, ticket({ status: 'in_progress' }), new Set(['status']));
    expect(afterMove.key).toBe('OPS-7');
    expect((await jira.read(ref)).key).toBe('OPS-7');
  });
});

describe('findByMarker', () => {
  it("finds the defect's issue, not another defect's, and nothing once deleted", async () => {
    const mine = await jira.create(ticket({}, '0b5e7c1d-2a3f-4e6d-8b9c-aaaaaaaaaaaa'));
    const theirs = await jira.create(ticket({}, '0b5e7c1d-2a3f-4e6d-8b9c-bbbbbbbbbbbb'));
    const { result, routes } = await callsDuring(() => jira.findByMarker('0b5e7c1d-2a3f-4e6d-8b9c-aaaaaaaaaaaa', new Date(0)));
    expect(routes).toEqual(['ticket.find']);
    expect(result).toEqual(mine);
    expect(await jira.findByMarker('0b5e7c1d-2a3f-4e6d-8b9c-bbbbbbbbbbbb', new Date(0))).toEqual(theirs);
    expect(await jira.findByMarker('0b5e7c1d-2a3f-4e6d-8b9c-cccccccccccc', new Date(0))).toBeNull();
    fake.deleteIssue(mine.remoteId);
    expect(await jira.findByMarker('0b5e7c1d-2a3f-4e6d-8b9c-aaaaaaaaaaaa', new Date(0))).toBeNull();
    expect(await jira.findByMarker(OTHER_DEFECT_ID, new Date(0))).toBeNull();
  });
});

describe('lookup', () => {
  let ref: TicketRef;
  beforeAll(async () => {
    ref = await jira.create(ticket({ title: 'Lookup target' }));
  });

  it.each([
    ['the key', () => ref.key],
    ['a lower-case key', () => ref.key.toLowerCase()],
    ['the browse URL', () => `${fake.tracker.baseUrl}/browse/${ref.key}`],
    ['the issue id', () => ref.remoteId],
  ])('accepts %s', async (_what, input) => {
    const found = await jira.lookup(input());
    expect(found.remoteId).toBe(ref.remoteId);
    expect(found.key).toBe(ref.key);
    expect(found.fields.title).toBe('Lookup target');
    expect(found.markerDefectId).toBe(DEFECT_ID);
  });

  it('reports a missing issue as gone', async () => {
    const err = await trackerError(jira.lookup('QA-99999'));
    expect(err.kind).toBe('gone');
    expect(err.message).toContain('Issue does not exist or you do not have permission to see it.');
  });

  it('refuses other projects, other sites and garbage without asking Jira', async () => {
    const before = fake.tracker.calls.length;
    for (const input of ['OPS-1', 'https://elsewhere.atlassian.net/browse/QA-1', `${fake.tracker.baseUrl}/projects/QA/issues`, 'not a key', '']) {
      expect((await trackerError(jira.lookup(input))).kind).toBe('rejected');
    }
    expect(fake.tracker.calls.length).toBe(before);
  });

  it('refuses an old key that now resolves to an issue in another project', async () => {
    const moved = await jira.create(ticket());
    fake.moveIssue(moved.remoteId, 'OPS-9');
    const err = await trackerError(jira.lookup(moved.key));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('OPS-9');
  });
});

describe('inbound edits made in Jira', () => {
  it('maps what people set in Jira back to defect terms', async () => {
    const ref = await jira.create(ticket());
    fake.setStatus(ref.remoteId, "Won't Do");
    fake.edit(ref.remoteId, {
      priority: { name: 'Lowest' },
      assignee: { accountId: '557058:carol-0003' },
      description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Rewritten by a person' }] }] },
    });
    const read = await jira.read(ref);
    expect(read.fields).toMatchObject({ status: 'closed', severity: 'low', assignee: null, description: 'Rewritten by a person' });
  });
});

describe('failures', () => {
  it('a deleted issue is gone for read and update', async () => {
    const ref = await jira.create(ticket());
    fake.deleteIssue(ref.remoteId);
    expect((await trackerError(jira.read(ref))).kind).toBe('gone');
    expect((await trackerError(jira.update(ref, ticket({ title: 'x' }), new Set(['title'])))).kind).toBe('gone');
    expect((await trackerError(jira.update(ref, ticket({ status: 'resolved' }), new Set(['status'])))).kind).toBe('gone');
  });

  it('an injected 500 is transient', async () => {
    fake.tracker.fail({ status: 500, route: 'ticket.create' });
    const err = await trackerError(jira.create(ticket()));
    expect(err.kind).toBe('transient');
    expect(err.status).toBe(500);
  });

  it('an injected 429 is rate_limited with the Retry-After wait', async () => {
    fake.tracker.fail({ status: 429, route: 'ticket.find', headers: { 'retry-after': '7' } });
    const err = await trackerError(jira.findByMarker(DEFECT_ID, new Date(0)));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(7000);
  });

  it('an injected 401 is rejected', async () => {
    fake.tracker.fail({ status: 401, route: 'ticket.get' });
    expect((await trackerError(jira.lookup('QA-1'))).kind).toBe('rejected');
  });

  it('wrong credentials are refused with Jira’s message, and the token is not echoed', async () => {
    const wrong = connectorFor(fake.tracker.baseUrl, { settings: { apiToken: 'wrong-secret-token' } });
    const err = await trackerError(wrong.create(ticket()));
    expect(err.kind).toBe('rejected');
    expect(err.status).toBe(401);
    expect(err.message).toContain('Client must be authenticated to access this resource.');
    expect(err.message).not.toContain('wrong-secret-token');
    expect(fake.tracker.calls.at(-1)).toMatchObject({ route: 'ticket.create', status: 401 });
  });

  it('a field Jira refuses is rejected naming the field', async () => {
    const noBugs = connectorFor(fake.tracker.baseUrl, { settings: { issueType: 'Story' } });
    const err = await trackerError(noBugs.create(ticket()));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('issuetype: Specify a valid issue type');
    const badPriority = connectorFor(fake.tracker.baseUrl, { mapping: { priorities: { high: 'Urgent' } } });
    expect((await trackerError(badPriority.create(ticket()))).message).toContain("priority: Priority name 'Urgent' is not valid");
  });

  it('a slow answer times out as transient', async () => {
    fake.tracker.latencyMs = 400;
    const slow = connectorFor(fake.tracker.baseUrl, { timeoutMs: 100 });
    const started = Date.now();
    const err = await trackerError(slow.findByMarker(DEFECT_ID, new Date(0)));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('within 100 ms');
    expect(Date.now() - started).toBeLessThan(350);
  });

  it('a stopped server is transient', async () => {
    const down = connectorFor('http://127.0.0.1:1');
    expect((await trackerError(down.findByMarker(DEFECT_ID, new Date(0)))).kind).toBe('transient');
  });
});
