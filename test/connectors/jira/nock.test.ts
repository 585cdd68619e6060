// The exact HTTP the Jira connector sends (method, path, query, body, Basic auth) and how it reads
// Jira's answers and errors. nock answers; no real Jira is reached.
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import type { DefectStatus } from '../../../src/domain/lifecycle.ts';
import type { TicketChange, TicketRef } from '../../../connectors/contract.ts';
import { ALICE, BOB, basicAuth, connectorFor, DEFECT_ID, expectedAdf, MARKER, ticket } from './helpers.ts';
import { trackerError } from '../shared.ts';

const BASE = 'https://acme.atlassian.net';
const ID = '10001';
const REF: TicketRef = { remoteId: ID, key: 'QA-12', url: `${BASE}/browse/QA-12` };
const READ_FIELDS = ['summary', 'description', 'priority', 'status', 'assignee', 'labels', 'fixVersions', 'updated', 'project'];
const jira = connectorFor(BASE);

const STATUS = {
  todo: { id: '10000', name: 'To Do', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  progress: { id: '10001', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  done: { id: '10002', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  wontDo: { id: '10003', name: "Won't Do", statusCategory: { id: 3, key: 'done', name: 'Done' } },
};
// Won't Do is listed before Done on purpose: the connector must still prefer Done for 'done'.
const ALL_TRANSITIONS = [
  { id: '11', name: 'To Do', to: STATUS.todo },
  { id: '41', name: "Won't do", to: STATUS.wontDo },
  { id: '21', name: 'Start progress', to: STATUS.progress },
  { id: '31', name: 'Done', to: STATUS.done },
];

/** nock's matcher types cannot describe nested arrays of plain objects; the match itself is exact deep equality. */
const exact = (body: unknown) => body as nock.DataMatcherMap;

function jiraApi() {
  return nock(BASE).matchHeader('authorization', basicAuth()).matchHeader('accept', 'application/json');
}


function issueJson(fields: Record<string, unknown>, key = 'QA-12') {
  return { expand: 'renderedFields', id: ID, self: `${BASE}/rest/api/3/issue/${ID}`, key, fields };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('create', () => {
  it('posts summary, ADF description, priority, the marker label and the assignee; Basic auth', async () => {
    jiraApi()
      .matchHeader('content-type', 'application/json')
      .post('/rest/api/3/issue', exact({
        fields: {
          project: { key: 'QA' },
          issuetype: { name: 'Bug' },
          summary: 'Checkout fails with an expired card',
          description: expectedAdf(),
          priority: { name: 'High' },
          labels: [MARKER],
          assignee: { accountId: ALICE.jira },
        },
      }))
      .reply(201, { id: ID, key: 'QA-12', self: `${BASE}/rest/api/3/issue/${ID}` });
    const ref = await jira.create(ticket({ title: 'Checkout fails\nwith an expired card' }));
    expect(ref).toEqual(REF);
  });

  it('sends assignee null when the person has no Jira account (not the project default), and uses the configured issue type', async () => {
    const custom = connectorFor(`${BASE}/`, { settings: { issueType: 'Defect' } });
    jiraApi()
      .post('/rest/api/3/issue', (body: { fields: Record<string, unknown> }) => body.fields.assignee === null && (body.fields.issuetype as { name: string }).name === 'Defect')
      .reply(201, { id: ID, key: 'QA-12', self: `${BASE}/rest/api/3/issue/${ID}` });
    expect(await custom.create(ticket({ assignee: 'nojira@example.com' }))).toEqual(REF);
    expect(custom.canonical(ticket({ assignee: 'nojira@example.com' }).fields).assignee).toBeNull();
  });

  it('explains a refused unassigned issue (a site that requires an assignee) as rejected', async () => {
    jiraApi().post('/rest/api/3/issue').reply(400, { errorMessages: [], errors: { assignee: 'Issues must be assigned.' } });
    const err = await trackerError(jira.create(ticket({ assignee: null })));
    expect(err).toMatchObject({ kind: 'rejected', status: 400 });
    expect(err.message).toContain('assignee: Issues must be assigned.');
    expect(err.message).toContain('allow unassigned issues');
  });

  it('reports the new issue before the transition, so a failing transition cannot lead to a second issue', async () => {
    const order: string[] = [];
    jiraApi().post('/rest/api/3/issue').reply(201, { id: ID, key: 'QA-12', self: `${BASE}/rest/api/3/issue/${ID}` });
    jiraApi()
      .get(`/rest/api/3/issue/${ID}/transitions`)
      .reply(() => {
        order.push('transitions');
        return [503, { errorMessages: ['Service unavailable'], errors: {} }];
      });
    const reported: TicketRef[] = [];
    const err = await trackerError(
      jira.create(ticket({ status: 'resolved' }), async (ref) => {
        order.push('onCreated');
        reported.push(ref);
      }),
    );
    expect(err.kind).toBe('transient');
    expect(reported).toEqual([REF]);
    expect(order).toEqual(['onCreated', 'transitions']);
  });

  it('moves a defect created resolved to Done right after creating it', async () => {
    jiraApi().post('/rest/api/3/issue').reply(201, { id: ID, key: 'QA-12', self: `${BASE}/rest/api/3/issue/${ID}` });
    jiraApi().get(`/rest/api/3/issue/${ID}/transitions`).reply(200, { transitions: ALL_TRANSITIONS });
    jiraApi().post(`/rest/api/3/issue/${ID}/transitions`, { transition: { id: '31' } }).reply(204);
    expect(await jira.create(ticket({ status: 'resolved' }))).toEqual(REF);
  });
});

describe('update', () => {
  it('makes no request for an empty change set', async () => {
    expect(await jira.update(REF, ticket(), new Set())).toBe(REF);
  });

  it.each<[string, TicketChange[], Parameters<typeof ticket>[0], Record<string, unknown>]>([
    ['title', ['title'], { title: 'Now  with\r\nnewline' }, { summary: 'Now  with newline' }],
    ['assignee', ['assignee'], { assignee: BOB.email }, { assignee: { accountId: BOB.jira } }],
    ['unassignment', ['assignee'], { assignee: null }, { assignee: null }],
    ['an assignee without a Jira account as unassignment', ['assignee'], { assignee: 'nojira@example.com' }, { assignee: null }],
  ])('writes %s in one PUT that returns the issue', async (_what, changes, fields, expected) => {
    jiraApi()
      .matchHeader('content-type', 'application/json')
      .put(`/rest/api/3/issue/${ID}`, exact({ fields: expected }))
      .query({ returnIssue: 'true' })
      .reply(200, issueJson({}));
    expect(await jira.update(REF, ticket(fields), new Set(changes))).toEqual(REF);
  });

  it('writes a description change in one PUT, into the document the sync has just read', async () => {
    // A connector of its own: the document it keeps from a read must not reach other tests.
    const fresh = connectorFor(BASE);
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: READ_FIELDS }).reply(200, issueJson({ description: expectedAdf() }));
    await fresh.read(REF);
    jiraApi()
      .put(`/rest/api/3/issue/${ID}`, exact({ fields: { description: expectedAdf('high', [{ type: 'paragraph', content: [{ type: 'text', text: 'New text' }] }]) } }))
      .query({ returnIssue: 'true' })
      .reply(200, issueJson({}));
    expect(await fresh.update(REF, ticket({ description: 'New text' }), new Set(['description']))).toEqual(REF);
  });

  it('reads the description first when it has not just read the issue, to keep what a person added', async () => {
    const other = connectorFor(BASE);
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'description' }).reply(200, issueJson({ description: expectedAdf() }));
    jiraApi()
      .put(`/rest/api/3/issue/${ID}`, exact({ fields: { description: expectedAdf('high', [{ type: 'paragraph', content: [{ type: 'text', text: 'New text' }] }]) } }))
      .reply(204);
    expect(await other.update(REF, ticket({ description: 'New text' }), new Set(['description']))).toEqual(REF);
  });

  it.each<[string, TicketChange[], Parameters<typeof ticket>[0], Record<string, unknown>]>([
    ['severity (priority and the footer showing it)', ['severity'], { severity: 'critical' }, { priority: { name: 'Highest' } }],
    ['context (footer only)', ['context'], {}, {}],
  ])('writes %s under the description a person wrote in Jira, read first', async (_what, changes, fields, more) => {
    // What a person made of the description in Jira: rich text, and our footer (an old one) below it.
    const personal = [
      { type: 'paragraph', content: [{ type: 'text', text: 'Edited in ' }, { type: 'text', text: 'Jira', marks: [{ type: 'strong' }] }] },
      { type: 'taskList', attrs: { localId: 't' }, content: [{ type: 'taskItem', attrs: { localId: 'i', state: 'TODO' }, content: [{ type: 'text', text: 'retest' }] }] },
    ];
    const stale = expectedAdf('low').content.slice(2);
    jiraApi()
      .get(`/rest/api/3/issue/${ID}`)
      .query({ fields: 'description' })
      .reply(200, issueJson({ description: { type: 'doc', version: 1, content: [...personal, ...stale] } }));
    jiraApi()
      .put(`/rest/api/3/issue/${ID}`, exact({ fields: { description: expectedAdf(fields?.severity ?? 'high', personal), ...more } }))
      .reply(204);
    expect(await jira.update(REF, ticket(fields), new Set(changes))).toEqual(REF);
  });

  it('adds the footer to a description without one (an issue linked by hand), keeping it whole', async () => {
    const personal = [{ type: 'paragraph', content: [{ type: 'text', text: 'Written by a person' }] }];
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'description' }).reply(200, issueJson({ description: { type: 'doc', version: 1, content: personal } }, 'QA-13'));
    jiraApi().put(`/rest/api/3/issue/${ID}`, exact({ fields: { description: expectedAdf('high', personal) } })).reply(204);
    expect((await jira.update(REF, ticket(), new Set(['context']))).key).toBe('QA-13');
  });

  it('reads description and status in one GET when the footer and the status both change', async () => {
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: ['description', 'status'] }).reply(200, issueJson({ description: null, status: STATUS.todo }));
    jiraApi().put(`/rest/api/3/issue/${ID}`, exact({ fields: { description: expectedAdf('high', []) } })).reply(204);
    jiraApi().get(`/rest/api/3/issue/${ID}/transitions`).reply(200, { transitions: ALL_TRANSITIONS.slice(1) });
    jiraApi().post(`/rest/api/3/issue/${ID}/transitions`, { transition: { id: '21' } }).reply(204);
    expect(await jira.update(REF, ticket({ status: 'in_progress' }), new Set(['context', 'status']))).toEqual(REF);
  });

  it('returns the new key when Jira reports one (issue moved to another project)', async () => {
    jiraApi().put(`/rest/api/3/issue/${ID}`).query({ returnIssue: 'true' }).reply(200, issueJson({}, 'OPS-3'));
    expect(await jira.update(REF, ticket({ title: 'x' }), new Set(['title']))).toEqual({ remoteId: ID, key: 'OPS-3', url: `${BASE}/browse/OPS-3` });
  });

  it('reads the key with a cheap GET if the edit answered without the issue', async () => {
    jiraApi().put(`/rest/api/3/issue/${ID}`).query({ returnIssue: 'true' }).reply(204);
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'status' }).reply(200, issueJson({ status: STATUS.todo }, 'OPS-4'));
    expect((await jira.update(REF, ticket({ title: 'x' }), new Set(['title']))).key).toBe('OPS-4');
  });

  it.each<[DefectStatus, keyof typeof STATUS, string, unknown]>([
    ['open', 'progress', '11', {}],
    ['in_progress', 'todo', '21', {}],
    ['resolved', 'todo', '31', {}],
    ['closed', 'progress', '31', {}],
    ['reopened', 'done', '11', {}],
    ['closed', 'done', '41', { targets: { closed: "Won't Do" } }],
  ])('moves to %s from %s with transition %s', async (status, from, transitionId, mapping) => {
    const connector = connectorFor(BASE, { mapping });
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'status' }).reply(200, issueJson({ status: STATUS[from] }));
    jiraApi()
      .get(`/rest/api/3/issue/${ID}/transitions`)
      .reply(200, { transitions: ALL_TRANSITIONS.filter((t) => t.to.id !== STATUS[from].id) });
    jiraApi().matchHeader('content-type', 'application/json').post(`/rest/api/3/issue/${ID}/transitions`, { transition: { id: transitionId } }).reply(204);
    expect(await connector.update(REF, ticket({ status }), new Set(['status']))).toEqual(REF);
  });

  it('only reads when the issue already is in the target', async () => {
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'status' }).reply(200, issueJson({ status: STATUS.wontDo }));
    expect(await jira.update(REF, ticket({ status: 'closed' }), new Set(['status']))).toEqual(REF);
  });

  it('refuses a move no transition reaches, naming the target and the available transitions', async () => {
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'status' }).reply(200, issueJson({ status: STATUS.todo }));
    jiraApi()
      .get(`/rest/api/3/issue/${ID}/transitions`)
      .reply(200, { transitions: [{ id: '21', name: 'Start progress', to: STATUS.progress }] });
    const err = await trackerError(jira.update(REF, ticket({ status: 'resolved' }), new Set(['status'])));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('from "To Do" to status category "done"');
    expect(err.message).toContain('"Start progress" → In Progress (indeterminate)');
  });

  it('edits fields, then reads the key and status, then transitions', async () => {
    jiraApi().put(`/rest/api/3/issue/${ID}`, { fields: { summary: 'Both' } }).reply(204);
    jiraApi().get(`/rest/api/3/issue/${ID}`).query({ fields: 'status' }).reply(200, issueJson({ status: STATUS.todo }, 'QA-13'));
    jiraApi().get(`/rest/api/3/issue/${ID}/transitions`).reply(200, { transitions: ALL_TRANSITIONS.slice(1) });
    jiraApi().post(`/rest/api/3/issue/${ID}/transitions`, { transition: { id: '21' } }).reply(204);
    const ref = await jira.update(REF, ticket({ title: 'Both', status: 'in_progress' }), new Set(['title', 'status']));
    expect(ref.key).toBe('QA-13');
  });
});

describe('read', () => {
  it('asks for the fields it maps and reads them in defect terms', async () => {
    jiraApi()
      .get(`/rest/api/3/issue/${ID}`)
      .query({ fields: READ_FIELDS })
      .reply(
        200,
        issueJson({
          summary: 'Checkout fails',
          description: expectedAdf('low', [{ type: 'paragraph', content: [{ type: 'text', text: 'Edited in Jira' }] }]),
          priority: { id: '5', name: 'Lowest' },
          status: STATUS.wontDo,
          assignee: { accountId: BOB.jira, displayName: 'Bob' },
          labels: ['regression', MARKER],
          fixVersions: [{ id: '10100', name: '2.4' }],
          updated: '2026-11-24T10:15:30.123+0100',
          project: { id: '10000', key: 'QA' },
        }),
      );
    expect(await jira.read(REF)).toEqual({
      ...REF,
      fields: { title: 'Checkout fails', description: 'Edited in Jira', severity: 'low', status: 'closed', assignee: BOB.email, milestone: '2.4', tags: ['regression'] },
      markerDefectId: DEFECT_ID,
      unmappedAssignee: null,
      updatedAt: new Date('2026-11-24T09:15:30.123Z'),
    });
  });

  it('reads an unassigned issue without priority or marker', async () => {
    jiraApi()
      .get(`/rest/api/3/issue/${ID}`)
      .query(true)
      .reply(200, issueJson({ summary: 's', description: null, priority: null, status: STATUS.progress, assignee: null, labels: [], updated: '2026-11-24T10:00:00.000+0000' }));
    const read = await jira.read(REF);
    expect(read.fields).toEqual({ title: 's', description: '', severity: 'medium', status: 'in_progress', assignee: null, milestone: null, tags: [] });
    expect(read.markerDefectId).toBeNull();
  });
});

describe('findByMarker', () => {
  const query = { jql: `project = "QA" AND labels = "${MARKER}" ORDER BY created ASC`, maxResults: '10', fields: 'labels' };

  it('searches the enhanced JQL endpoint by label, asking for the labels field', async () => {
    jiraApi()
      .get('/rest/api/3/search/jql')
      .query(query)
      .reply(200, { issues: [{ id: ID, key: 'QA-12', self: `${BASE}/rest/api/3/issue/${ID}`, fields: { labels: [MARKER] } }], isLast: true });
    expect(await jira.findByMarker(DEFECT_ID, new Date())).toEqual(REF);
  });

  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  it('answers null when nothing carries the marker and the attempt is older than the index lag', async () => {
    jiraApi().get('/rest/api/3/search/jql').query(query).reply(200, { issues: [], isLast: true });
    expect(await jira.findByMarker(DEFECT_ID, longAgo())).toBeNull();
  });

  it("does not conclude 'no issue' while a recent create could still be missing from Jira's search index", async () => {
    jiraApi().get('/rest/api/3/search/jql').query(query).reply(200, { issues: [], isLast: true });
    const startedAt = new Date(Date.now() - 5_000);
    const err = await trackerError(jira.findByMarker(DEFECT_ID, startedAt));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain("waiting for Jira's search index");
    // The deadline of the create (15 s) + the index lag (60 s) + slack (5 s), from its start.
    expect(err.retryAfterMs).toBeGreaterThan(70_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(75_000);
  });

  it("measures the wait by Jira's clock (the Date header) when Jira's clock is behind ours", async () => {
    const startedAt = new Date(Date.now() - 100_000);
    // By our clock 100 s have passed; Jira's clock says only 30 s.
    jiraApi()
      .get('/rest/api/3/search/jql')
      .query(query)
      .reply(200, { issues: [], isLast: true }, { Date: new Date(startedAt.getTime() + 30_000).toUTCString() });
    expect((await trackerError(jira.findByMarker(DEFECT_ID, startedAt))).kind).toBe('transient');
  });

  it('does not trust a hit whose labels do not carry the exact marker', async () => {
    jiraApi()
      .get('/rest/api/3/search/jql')
      .query(query)
      .reply(200, { issues: [{ id: ID, key: 'QA-12', fields: { labels: [MARKER.toUpperCase()] } }], isLast: true });
    expect(await jira.findByMarker(DEFECT_ID, longAgo())).toBeNull();
  });
});

describe('lookup', () => {
  const body = issueJson({ summary: 'Found', status: STATUS.todo, labels: [], updated: '2026-11-24T10:00:00.000+0000', project: { key: 'QA' } });

  it.each([
    ['a key', 'QA-12', 'QA-12'],
    ['a lower-case key', ' qa-12 ', 'QA-12'],
    ['a browse URL', `${BASE}/browse/QA-12`, 'QA-12'],
    ['a browse URL with a query', `${BASE}/browse/QA-12?focusedCommentId=1`, 'QA-12'],
    ['an issue id', ID, ID],
  ])('accepts %s', async (_what, input, requested) => {
    jiraApi().get(`/rest/api/3/issue/${requested}`).query({ fields: READ_FIELDS }).reply(200, body);
    const found = await jira.lookup(input);
    expect(found).toMatchObject({ ...REF, fields: { title: 'Found', status: 'open' } });
  });

  it('answers gone for an issue Jira does not know', async () => {
    jiraApi()
      .get('/rest/api/3/issue/QA-999')
      .query(true)
      .reply(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    const err = await trackerError(jira.lookup('QA-999'));
    expect(err.kind).toBe('gone');
    expect(err.message).toContain('Issue does not exist or you do not have permission to see it.');
  });

  it.each([['OPS-1'], ['https://other.atlassian.net/browse/QA-1'], [`${BASE}/jira/software/projects/QA/boards/1`], ['QA 12'], ['']])(
    'refuses %j without a request',
    async (input) => {
      expect((await trackerError(jira.lookup(input))).kind).toBe('rejected');
    },
  );

  it('refuses an issue that now lives in another project', async () => {
    jiraApi()
      .get('/rest/api/3/issue/QA-12')
      .query(true)
      .reply(200, { ...body, key: 'OPS-3', fields: { ...body.fields, project: { key: 'OPS' } } });
    const err = await trackerError(jira.lookup('QA-12'));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('OPS-3');
  });
});

describe('errors', () => {
  it('429 with Retry-After is rate_limited with that wait', async () => {
    jiraApi().post('/rest/api/3/issue').reply(429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, { 'Retry-After': '30' });
    const err = await trackerError(jira.create(ticket()));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000, status: 429 });
  });

  it("429 in Jira's other form (X-RateLimit-Reset, no Retry-After) is rate_limited with the default wait", async () => {
    jiraApi()
      .get(`/rest/api/3/issue/${ID}`)
      .query(true)
      .reply(429, '', { 'X-RateLimit-Reset': '2026-11-24T10:16Z', 'RateLimit-Reason': 'jira-burst-based' });
    const err = await trackerError(jira.read(REF));
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
  });

  it('500 and 503 are transient, and the SDK does not retry them', async () => {
    jiraApi().get(`/rest/api/3/issue/${ID}`).query(true).times(2).reply(503, { errorMessages: ['Service unavailable'], errors: {} }, { 'Retry-After': '5' });
    expect((await trackerError(jira.read(REF))).kind).toBe('transient');
    expect(nock.pendingMocks()).toHaveLength(1);
    nock.cleanAll();
    jiraApi().get(`/rest/api/3/issue/${ID}`).query(true).reply(500, { errorMessages: ['Internal server error'], errors: {} });
    const err = await trackerError(jira.read(REF));
    expect(err).toMatchObject({ kind: 'transient', status: 500 });
    expect(err.message).toContain('Internal server error');
  });

  it('a network error is transient', async () => {
    // An Error, not a plain object: nock 15 never settles fetch for a plain-object error.
    jiraApi().get(`/rest/api/3/issue/${ID}`).query(true).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await trackerError(jira.read(REF));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('jira could not be reached');
    expect(err.message).toContain('ECONNRESET');
  });

  it('a request past the timeout is transient', async () => {
    const slow = connectorFor(BASE, { timeoutMs: 100 });
    // The whole answer late (nock's .delay() would hold only the body, and undici under nock's
    // interceptor trips an internal assertion when such a body is aborted).
    jiraApi()
      .get(`/rest/api/3/issue/${ID}`)
      .query(true)
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return [200, issueJson({})];
      });
    const err = await trackerError(slow.read(REF));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('within 100 ms');
  });

  it('400 is rejected with both errorMessages and the field errors', async () => {
    jiraApi()
      .put(`/rest/api/3/issue/${ID}`)
      .query(true)
      .reply(400, { errorMessages: ['Check the fields'], errors: { summary: 'The summary is invalid because it contains newline characters.' } });
    const err = await trackerError(jira.update(REF, ticket(), new Set(['title'])));
    expect(err).toMatchObject({ kind: 'rejected', status: 400 });
    expect(err.message).toContain('Check the fields; summary: The summary is invalid because it contains newline characters.');
  });

  it('401 is rejected with Jira’s message and never the token', async () => {
    jiraApi()
      .get('/rest/api/3/search/jql')
      .query(true)
      .reply(401, { message: 'Client must be authenticated to access this resource.', 'status-code': 401 });
    const err = await trackerError(jira.findByMarker(DEFECT_ID, new Date()));
    expect(err).toMatchObject({ kind: 'rejected', status: 401 });
    expect(err.message).toContain('Client must be authenticated to access this resource.');
    expect(err.message).not.toContain('fake-jira-api-token');
    expect(err.message).not.toContain(basicAuth().slice(6));
  });

  it.each([
    [403, { errorMessages: ['You do not have permission to edit issues in this project.'], errors: {} }],
    [422, { errorMessages: ['Unprocessable'], errors: {} }],
  ])('%i is rejected with the message', async (status, body) => {
    jiraApi().put(`/rest/api/3/issue/${ID}`).query(true).reply(status, body);
    const err = await trackerError(jira.update(REF, ticket(), new Set(['assignee'])));
    expect(err).toMatchObject({ kind: 'rejected', status });
    expect(err.message).toContain(body.errorMessages[0]);
  });

  it('404 and 410 on a known issue are gone, on every issue request', async () => {
    const notFound = { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} };
    jiraApi().get(`/rest/api/3/issue/${ID}`).query(true).reply(404, notFound);
    expect((await trackerError(jira.read(REF))).kind).toBe('gone');
    jiraApi().put(`/rest/api/3/issue/${ID}`).query(true).reply(410, notFound);
    expect((await trackerError(jira.update(REF, ticket(), new Set(['title'])))).kind).toBe('gone');
    jiraApi().get(`/rest/api/3/issue/${ID}`).query(true).reply(200, issueJson({ status: STATUS.todo }));
    jiraApi().get(`/rest/api/3/issue/${ID}/transitions`).reply(404, notFound);
    expect((await trackerError(jira.update(REF, ticket({ status: 'resolved' }), new Set(['status'])))).kind).toBe('gone');
  });

  it('404 from the search is a configuration problem, not a gone ticket', async () => {
    jiraApi().get('/rest/api/3/search/jql').query(true).reply(404, { errorMessages: ['Not found'], errors: {} });
    expect((await trackerError(jira.findByMarker(DEFECT_ID, new Date()))).kind).toBe('rejected');
  });
});
