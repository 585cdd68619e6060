// The exact HTTP the Asana connector sends through the SDK (nock intercepts superagent's node http).
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAsanaConnector } from '../../../connectors/asana/connector.ts';
import { asanaMappingSchema, type AsanaMapping } from '../../../connectors/asana/mapping.ts';
import { plainBody } from '../../../connectors/body.ts';
import { People } from '../../../connectors/people.ts';
import type { TicketRef } from '../../../connectors/contract.ts';
import { DEFECT_ID, ticket, trackerError } from '../shared.ts';

const TOKEN = '2/1200000000000001/1209999999999999:feedfacecafebeef0123456789abcdef';
const API = 'https://app.asana.com';
const PROJECT = '1200000000000100';
const WORKSPACE = '1200000000000007';
const ADA = '1200000000000042';
const SEVERITY_FIELD = { gid: '1200000000000500', options: { critical: '1200000000000501', high: '1200000000000502', medium: '1200000000000503', low: '1200000000000504' } };
const TASK = '1209000000000123';
const PERMALINK = `https://app.asana.com/1/${WORKSPACE}/project/${PROJECT}/task/${TASK}`;
const REF: TicketRef = { remoteId: TASK, key: TASK, url: PERMALINK };
const READ_FIELDS = 'name,notes,html_notes,completed,assignee,custom_fields.enum_value,custom_fields.text_value,tags.name,projects,permalink_url,modified_at';
const REF_FIELDS = 'permalink_url,projects';
const people = new People([{ email: 'ada@example.com', asana: ADA }]);

function connector(mapping: Partial<AsanaMapping> = {}, timeoutMs?: number) {
  return createAsanaConnector({
    settings: { token: TOKEN, workspaceGid: WORKSPACE, projectGid: PROJECT, apiUrl: 'https://app.asana.com/api/1.0' },
    mapping: asanaMappingSchema.parse(mapping),
    people,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}

function asana() {
  return nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

const refBody = { data: { gid: TASK, permalink_url: PERMALINK, projects: [{ gid: PROJECT, resource_type: 'project' }] } };

function taskBody(overrides: Record<string, unknown> = {}) {
  return {
    data: {
      gid: TASK,
      name: 'Login fails on Safari',
      notes: plainBody(ticket({ severity: 'critical' })),
      completed: false,
      assignee: { gid: ADA, resource_type: 'user' },
      custom_fields: [{ gid: SEVERITY_FIELD.gid, enum_value: { gid: SEVERITY_FIELD.options.low, resource_type: 'enum_option' } }],
      projects: [{ gid: PROJECT, resource_type: 'project' }],
      permalink_url: PERMALINK,
      modified_at: '2026-11-24T10:00:00.123Z',
      ...overrides,
    },
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('create', () => {
  it('POSTs name, notes, project, workspace, assignee in one request', async () => {
    const t = ticket({ title: ' Login fails on Safari ', assignee: 'ADA@example.com' });
    asana()
      .post('/api/1.0/tasks', { data: { name: 'Login fails on Safari', notes: plainBody(t), projects: [PROJECT], workspace: WORKSPACE, assignee: ADA } })
      .query({ opt_fields: REF_FIELDS })
      .matchHeader('content-type', /^application\/json/)
      .reply(201, refBody);
    expect(await connector().create(t)).toEqual(REF);
  });

  it('sends completed and the severity enum value for a resolved defect, and null for an unmapped assignee', async () => {
    const t = ticket({ status: 'resolved', severity: 'critical', assignee: 'stranger@example.com' });
    asana()
      .post('/api/1.0/tasks', {
        data: {
          name: 'Login fails on Safari',
          notes: plainBody(t),
          projects: [PROJECT],
          workspace: WORKSPACE,
          assignee: null,
          completed: true,
          custom_fields: { [SEVERITY_FIELD.gid]: SEVERITY_FIELD.options.critical },
        },
      })
      .query({ opt_fields: REF_FIELDS })
      .reply(201, refBody);
    expect(await connector({ severityField: SEVERITY_FIELD }).create(t)).toEqual(REF);
  });

  it('treats a 2xx without a task record as transient', async () => {
    asana().post('/api/1.0/tasks').query(true).reply(201, { data: {} });
    expect((await trackerError(connector().create(ticket()))).kind).toBe('transient');
  });
});

describe('update', () => {
  const t = ticket();

  /** Every update first GETs the task: membership, and the notes (and their rich text) when they change. */
  function expectCheck(notes?: string, html?: string) {
    const opt_fields = notes === undefined ? 'projects,permalink_url' : 'notes,html_notes,projects,permalink_url';
    return asana()
      .get(`/api/1.0/tasks/${TASK}`)
      .query({ opt_fields })
      .reply(200, { data: { ...refBody.data, ...(notes !== undefined && { notes }), ...(html !== undefined && { html_notes: html }) } });
  }

  function expectPut(data: nock.DataMatcherMap, notes?: string, html?: string) {
    expectCheck(notes, html);
    return asana().put(`/api/1.0/tasks/${TASK}`, { data }).query({ opt_fields: REF_FIELDS }).reply(200, refBody);
  }

  /** The notes after a person edited the description part in Asana (our footer below, from an older sync). */
  const edited = `Edited in Asana\n  with indentation kept\n\n${plainBody(ticket({ description: '', severity: 'critical' }))}`;
  const footerOf = (changed: ReturnType<typeof ticket>) => plainBody({ ...changed, fields: { ...changed.fields, description: '' } });

  it('title → name only', async () => {
    expectPut({ name: 'New title' });
    expect(await connector().update(REF, ticket({ title: ' New title ' }), new Set(['title']))).toEqual(REF);
  });

  it("after the sync's read, the update starts from it: one GET and one PUT for a read and a description change", async () => {
    const notes = `Edited in Asana\n\n${plainBody(ticket({ description: '', severity: 'critical' }))}`;
    asana().get(`/api/1.0/tasks/${TASK}`).query({ opt_fields: READ_FIELDS }).reply(200, taskBody({ notes, html_notes: `<body>${notes.replaceAll('\n', '\n')}</body>` }));
    asana().put(`/api/1.0/tasks/${TASK}`).query({ opt_fields: REF_FIELDS }).reply(200, refBody);
    const c = connector({ severityField: SEVERITY_FIELD });
    await c.read(REF);
    await c.update(REF, ticket({ description: 'Now longer' }), new Set(['description', 'context']));
    // A second update has no fresh read to start from: it asks again.
    expectPut({ name: 'Again' });
    await c.update(REF, ticket({ title: 'Again' }), new Set(['title']));
  });

  it('description → notes only', async () => {
    const changed = ticket({ description: 'More steps' });
    expectPut({ notes: plainBody(changed) }, plainBody(t), `<body>${plainBody(t)}</body>`);
    await connector().update(REF, changed, new Set(['description']));
  });

  const rich = (person: string, footer: string) => `<body>${person}\n\n${footer.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</body>`;

  it('description → the rich text a person formatted, patched: formatted blocks kept as they are, plain ones rewritten', async () => {
    const person = 'Steps with <strong>bold</strong> words\n\nplain line\n\n<ul><li>one</li><li>two</li></ul>';
    const notes = `Steps with bold words\n\nplain line\n\none\ntwo\n\n${footerOf(t)}`;
    const changed = ticket({ description: 'Steps with bold words\n\nplain line & more\n\none\ntwo' });
    expectPut({ html_notes: rich('Steps with <strong>bold</strong> words\n\nplain line &amp; more\n\n<ul><li>one</li><li>two</li></ul>', footerOf(changed)) }, notes, rich(person, footerOf(t)));
    expect(await connector().update(REF, changed, new Set(['description']))).toEqual(REF);
  });

  it('description → nothing written, and the reason given, when the change would alter formatted text', async () => {
    const person = 'Steps with <strong>bold</strong> words\n\nplain line';
    const notes = `Steps with bold words\n\nplain line\n\n${footerOf(t)}`;
    expectCheck(notes, rich(person, footerOf(t)));
    const result = await connector().update(REF, ticket({ description: 'Steps with other words\n\nplain line' }), new Set(['description']));
    expect(result.withheld).toEqual([{ change: 'description', reason: expect.stringContaining('formatted text') }]);
  });

  it('context → the footer only, under rich text a person formatted, kept as it is', async () => {
    const person = 'See <a href="https://example.com/x">the log</a>';
    expectPut({ html_notes: rich(person, footerOf(ticket({ severity: 'low' }))) }, `See the log\n\n${footerOf(t)}`, rich(person, footerOf(t)));
    await connector().update(REF, ticket({ severity: 'low' }), new Set(['severity']));
  });

  it('context → the footer only, under the description a person wrote in Asana', async () => {
    const changed = { ...t, context: { ...t.context, failingRuns: [] } };
    expectPut({ notes: `Edited in Asana\n  with indentation kept\n\n${footerOf(changed)}` }, edited);
    await connector().update(REF, changed, new Set(['context']));
  });

  it('severity without a field → the footer only (it shows the severity), keeping the person’s text', async () => {
    const changed = ticket({ severity: 'low' });
    expectPut({ notes: `Edited in Asana\n  with indentation kept\n\n${footerOf(changed)}` }, edited);
    await connector().update(REF, changed, new Set(['severity']));
  });

  it('severity with a field → the footer and the enum option', async () => {
    const changed = ticket({ severity: 'medium' });
    expectPut({ notes: `Edited in Asana\n  with indentation kept\n\n${footerOf(changed)}`, custom_fields: { [SEVERITY_FIELD.gid]: SEVERITY_FIELD.options.medium } }, edited);
    await connector({ severityField: SEVERITY_FIELD }).update(REF, changed, new Set(['severity']));
  });

  it('appends the footer to notes without one (a task linked by hand)', async () => {
    expectPut({ notes: `Written by hand\n\n${footerOf(t)}` }, 'Written by hand\n\n');
    await connector().update(REF, t, new Set(['context']));
  });

  it('assignee → user gid, or null to unassign', async () => {
    expectPut({ assignee: ADA });
    await connector().update(REF, ticket({ assignee: 'ada@example.com' }), new Set(['assignee']));
    expectPut({ assignee: null });
    await connector().update(REF, ticket({ assignee: null }), new Set(['assignee']));
  });

  it.each([
    ['resolved', true],
    ['closed', true],
    ['open', false],
    ['in_progress', false],
    ['reopened', false],
  ] as const)('status %s → completed %s', async (status, completed) => {
    expectPut({ completed });
    await connector().update(REF, ticket({ status }), new Set(['status']));
  });

  it('several changes → one PUT', async () => {
    const changed = ticket({ title: 'T2', status: 'closed', assignee: 'ada@example.com' });
    expectPut({ name: 'T2', completed: true, assignee: ADA });
    await connector().update(REF, changed, new Set(['title', 'status', 'assignee']));
  });

  it('an empty change set sends nothing', async () => {
    // disableNetConnect plus no interceptor: any request would fail the call.
    expect(await connector().update(REF, t, new Set())).toEqual(REF);
  });

  it('returns the ref as Asana now reports it', async () => {
    const newUrl = `https://app.asana.com/0/${PROJECT}/${TASK}`;
    expectCheck();
    asana().put(`/api/1.0/tasks/${TASK}`).query(true).reply(200, { data: { ...refBody.data, permalink_url: newUrl } });
    expect(await connector().update(REF, t, new Set(['title']))).toEqual({ ...REF, url: newUrl });
  });

  it('a task no longer in the project → moved, and nothing is written to it', async () => {
    asana()
      .get(`/api/1.0/tasks/${TASK}`)
      .query(true)
      .reply(200, { data: { ...refBody.data, projects: [{ gid: '1', resource_type: 'project' }] } });
    // No PUT interceptor: a write would fail the call with a nock error instead of 'moved'.
    expect((await trackerError(connector().update(REF, t, new Set(['title'])))).kind).toBe('moved');
  });
});

describe('read', () => {
  it('GETs the task with the opt_fields it maps, and maps them back', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query({ opt_fields: READ_FIELDS }).reply(200, taskBody());
    const remote = await connector({ severityField: SEVERITY_FIELD }).read(REF);
    expect(remote).toEqual({
      ...REF,
      fields: { title: 'Login fails on Safari', description: 'Steps:\n1. open\n2. log in', severity: 'low', status: 'open', assignee: 'ada@example.com', milestone: null, tags: [] },
      markerDefectId: DEFECT_ID,
      unmappedAssignee: null,
      updatedAt: new Date('2026-11-24T10:00:00.123Z'),
    });
  });

  it('reads severity from the footer without a field, and a completed task through the mapping', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query({ opt_fields: READ_FIELDS }).reply(200, taskBody({ completed: true, assignee: null }));
    const remote = await connector({ completed: 'closed' }).read(REF);
    expect(remote.fields).toMatchObject({ severity: 'critical', status: 'closed', assignee: null });
  });

  it('a task moved out of the project → moved', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query(true).reply(200, taskBody({ projects: [] }));
    expect((await trackerError(connector().read(REF))).kind).toBe('moved');
  });
});

describe('findByMarker', () => {
  const since = new Date('2026-11-24T10:00:00.000Z');
  const query = { project: PROJECT, modified_since: '2026-11-24T09:59:00.000Z', limit: '100', opt_fields: 'name,notes,permalink_url' };

  it('lists the project’s tasks modified since (less a minute of clock skew), following next_page', async () => {
    const offset = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9';
    asana()
      .get('/api/1.0/tasks')
      .query(query)
      .reply(200, {
        data: [
          { gid: '1', name: 'by hand', notes: 'no marker here', permalink_url: 'u1' },
          { gid: '2', name: 'other defect', notes: plainBody(ticket({}, '5d6e7f80-1111-4222-8333-944455556666')), permalink_url: 'u2' },
        ],
        next_page: { offset, path: `/tasks?limit=100&offset=${offset}`, uri: `https://app.asana.com/api/1.0/tasks?limit=100&offset=${offset}` },
      });
    asana()
      .get('/api/1.0/tasks')
      .query({ ...query, offset })
      .reply(200, { data: [{ gid: TASK, name: 'ours', notes: plainBody(ticket()), permalink_url: PERMALINK }], next_page: null });
    expect(await connector().findByMarker(DEFECT_ID.toUpperCase(), since)).toEqual(REF);
  });

  it('null when no task carries the marker', async () => {
    asana().get('/api/1.0/tasks').query(query).reply(200, { data: [{ gid: '1', notes: `quoting defect-sync-x` }], next_page: null });
    expect(await connector().findByMarker(DEFECT_ID, since)).toBeNull();
  });
});

describe('lookup', () => {
  it.each([
    TASK,
    `https://app.asana.com/0/${PROJECT}/${TASK}`,
    `https://app.asana.com/0/${PROJECT}/${TASK}/f`,
    `https://app.asana.com/0/0/${TASK}`,
    `https://app.asana.com/1/${WORKSPACE}/project/${PROJECT}/task/${TASK}`,
    `https://app.asana.com/1/${WORKSPACE}/task/${TASK}?focus=true`,
  ])('%s → GET /tasks/<gid>', async (input) => {
    asana().get(`/api/1.0/tasks/${TASK}`).query({ opt_fields: READ_FIELDS }).reply(200, taskBody());
    expect((await connector().lookup(input)).remoteId).toBe(TASK);
  });

  it('a task not in the configured project → rejected', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query(true).reply(200, taskBody({ projects: [{ gid: '999', resource_type: 'project' }] }));
    const err = await trackerError(connector().lookup(TASK));
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/not in the configured project/);
  });

  it('unparseable input or another workspace → rejected without a request', async () => {
    for (const input of ['DEF-7', 'https://github.com/o/r/issues/1', `https://app.asana.com/1/1/project/${PROJECT}/task/${TASK}`]) {
      expect((await trackerError(connector().lookup(input))).kind).toBe('rejected');
    }
  });

  it('a task that does not exist → gone', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query(true).reply(404, { errors: [{ message: `Unknown object: ${TASK}` }] });
    expect((await trackerError(connector().lookup(TASK))).kind).toBe('gone');
  });
});

describe('errors', () => {
  const readTask = () => asana().get(`/api/1.0/tasks/${TASK}`).query(true);
  const help = 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors';

  it('429 with Retry-After → rate_limited with the wait', async () => {
    readTask().reply(429, { errors: [{ message: "You've made too many requests and hit a rate limit. Please retry after the given amount of time." }] }, { 'Retry-After': '30' });
    const err = await trackerError(connector().read(REF));
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 30_000 });
    expect(err.message).toContain('too many requests');
  });

  it('429 without Retry-After → rate_limited with the default wait', async () => {
    readTask().reply(429, { errors: [{ message: 'rate limited' }] });
    expect(await trackerError(connector().read(REF))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
  });

  it('500 → transient with Asana’s phrase, and the SDK does not retry', async () => {
    const scope = readTask().times(2).reply(500, { errors: [{ message: 'Server Error', phrase: '6 sad squid snuggle softly' }] });
    const err = await trackerError(connector().read(REF));
    expect(err).toMatchObject({ kind: 'transient', status: 500 });
    expect(err.message).toContain('6 sad squid snuggle softly');
    expect(scope.pendingMocks()).toHaveLength(1);
    nock.cleanAll();
  });

  it('503 → transient', async () => {
    readTask().reply(503, 'upstream unavailable');
    expect((await trackerError(connector().read(REF))).kind).toBe('transient');
  });

  it('a network error → transient', async () => {
    readTask().replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await trackerError(connector().read(REF));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('ECONNRESET');
  });

  it('a timeout → transient, and superagent settles the request once', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      // A server that has not answered at all: nock's .delay() sends the headers at once and holds only
      // the body, and superagent 6 (under the asana SDK) then settles the aborted request twice
      // (forwardemail/superagent#1801), which is the SDK's bug and not the case under test.
      readTask().reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return [200, taskBody()];
      });
      const err = await trackerError(connector({}, 50).read(REF));
      expect(err.kind).toBe('transient');
      expect(err.message).toContain('timed out after 50 ms');
      // Let any late event of the abandoned request arrive before looking.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warn.mock.calls.flat().join(' ')).not.toContain('double callback');
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    [400, 'custom_fields: enum_value: Not a valid enum option'],
    [401, 'Not Authorized'],
    [403, 'You do not have access to this task'],
    [422, 'Unprocessable'],
  ])('%i → rejected with Asana’s message, without the token', async (status, message) => {
    asana().post('/api/1.0/tasks').query(true).reply(status, { errors: [{ message, help }] });
    const err = await trackerError(connector().create(ticket()));
    expect(err).toMatchObject({ kind: 'rejected', status });
    expect(err.message).toContain(message);
    const everything = `${err.message} ${String(err.stack)} ${JSON.stringify(err)} ${JSON.stringify(err.cause ?? null)}`;
    expect(everything).not.toContain(TOKEN);
  });

  it('404 on a known ticket → gone, on update too', async () => {
    asana().get(`/api/1.0/tasks/${TASK}`).query(true).reply(404, { errors: [{ message: `Unknown object: ${TASK}`, help }] });
    const err = await trackerError(connector().update(REF, ticket(), new Set(['title'])));
    expect(err.kind).toBe('gone');
    expect(err.message).toContain(`Unknown object: ${TASK}`);
  });

  it('404 on the task list (a wrong project, not a ticket) → rejected', async () => {
    asana().get('/api/1.0/tasks').query(true).reply(404, { errors: [{ message: 'Not Found', help }] });
    expect((await trackerError(connector().findByMarker(DEFECT_ID, new Date()))).kind).toBe('rejected');
  });
});
