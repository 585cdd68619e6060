// The exact HTTP the GitHub connector sends, request by request, with nock standing in for api.github.com.
import { generateKeyPairSync, verify } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { recordRequests } from '../nock-recorder.ts';
import { markdownBody, markdownFooter } from '../../../connectors/body.ts';
import type { TicketChange, TicketRef } from '../../../connectors/contract.ts';
import { markerFor } from '../../../connectors/marker.ts';
import { connector, DEFECT_ID, issueJson, OTHER_DEFECT_ID, ticket, TOKEN, trackerError } from './helpers.ts';

const API = 'https://api.github.com';
const REF: TicketRef = { remoteId: '12', key: 'acme/app#12', url: 'https://github.com/acme/app/issues/12' };

const { seen, answer } = recordRequests();

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);


describe('headers', () => {
  it('sends the token as "token …", the JSON media type and the pinned API version', async () => {
    nock(API).get('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
    await connector().read(REF);
    expect(seen[0]!.headers).toMatchObject({
      authorization: `token ${TOKEN}`,
      accept: 'application/vnd.github.v3+json',
      'x-github-api-version': '2022-11-28',
    });
    expect(String(seen[0]!.headers['user-agent'])).toMatch(/^defect-sync /);
  });
});

describe('GitHub App credentials', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = { appId: 4321, privateKey: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), installationId: 678 };
  const INSTALLATION_TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
  const minted = () => ({
    token: INSTALLATION_TOKEN,
    expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    permissions: { issues: 'write', metadata: 'read' },
    repository_selection: 'selected',
  });
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

  it('mints at /app/installations/678/access_tokens with an RS256 JWT (iss = app ID), then sends "token ghs_…"', async () => {
    nock(API).post('/app/installations/678/access_tokens').reply(answer(201, minted()));
    nock(API).get('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
    nock(API).get('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
    const gh = connector({ app });
    const started = Math.floor(Date.now() / 1000);
    await gh.read(REF);
    await gh.read(REF);

    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /app/installations/678/access_tokens',
      'GET /repos/acme/app/issues/12',
      'GET /repos/acme/app/issues/12',
    ]);
    const [mint, ...reads] = seen;
    const m = /^bearer (.+)$/i.exec(String(mint!.headers['authorization']));
    const [head, payload, signature] = m![1]!.split('.') as [string, string, string];
    expect(decode(head)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = decode(payload);
    expect(claims['iss']).toBe(4321);
    expect(claims['iat']).toBeLessThanOrEqual(started);
    expect(Number(claims['exp']) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
    expect(verify('sha256', Buffer.from(`${head}.${payload}`), keys.publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(mint!.headers).toMatchObject({ accept: 'application/vnd.github.v3+json' });
    expect(String(mint!.headers['user-agent'])).toMatch(/^defect-sync /);
    // One mint serves both reads: the token is cached.
    for (const r of reads) expect(r.headers).toMatchObject({ authorization: `token ${INSTALLATION_TOKEN}`, 'x-github-api-version': '2022-11-28' });
  });

  it('a 401 on the mint is an app authentication failure, sent once (no retry with the same JWT)', async () => {
    nock(API)
      .post('/app/installations/678/access_tokens')
      .reply(answer(401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest', status: '401' }));
    const err = await trackerError(connector({ app }).read(REF));
    expect(err).toMatchObject({ kind: 'rejected', status: 401 });
    expect(err.message).toBe(
      "github answered 401: GitHub App authentication failed minting an installation token for installation 678: A JSON web token could not be decoded (check the app ID and that the private key is the app's current one) (issue #12)",
    );
    expect(seen).toHaveLength(1);
  });

  it('a rate-limited mint waits like any rate limit', async () => {
    nock(API)
      .post('/app/installations/678/access_tokens')
      .reply(answer(429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '30' }));
    expect(await trackerError(connector({ app }).read(REF))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
  });
});

describe('create', () => {
  it('posts title, Markdown body with the marker, the severity label and the mapped assignee', async () => {
    const t = ticket({ title: '  Login fails on Safari ', assignee: 'ann@example.com', severity: 'critical' });
    nock(API).post('/repos/acme/app/issues').reply(answer(201, issueJson({ number: 12, labels: ['severity: critical'], assignees: ['ann-gh'] })));
    const ref = await connector().create(t);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      path: '/repos/acme/app/issues',
      body: { title: 'Login fails on Safari', body: markdownBody(t), labels: ['severity: critical'], assignees: ['ann-gh'] },
    });
    expect((seen[0]!.body as { body: string }).body).toContain(`<!-- ${markerFor(DEFECT_ID)} -->`);
    expect(ref).toEqual(REF);
  });

  it('cuts a description that would take the body over 65,536 characters, never inside a surrogate pair', async () => {
    const t = ticket({ description: '\u{1F41B}'.repeat(70_000) });
    nock(API).post('/repos/acme/app/issues').reply(answer(201, issueJson()));
    await connector().create(t);
    const body = (seen[0]!.body as { body: string }).body;
    expect(Array.from(body).length).toBeLessThanOrEqual(65_536);
    expect(body.isWellFormed()).toBe(true);
    expect(body).toContain(`… description cut to fit GitHub's limit; the full text is at ${t.context.defectUrl}\n\n---\n`);
    expect(body).toContain(`<!-- ${markerFor(DEFECT_ID)} -->`);
  });

  it('leaves assignees out when the email is not in the people mapping', async () => {
    nock(API).post('/repos/acme/app/issues').reply(answer(201, issueJson()));
    await connector().create(ticket({ assignee: 'cy@example.com' }));
    expect(Object.keys(seen[0]!.body as object).sort()).toEqual(['body', 'labels', 'title']);
  });

  it('a create whose label or assignee GitHub silently dropped (no push access) reports the issue, then is rejected', async () => {
    nock(API).post('/repos/acme/app/issues').reply(201, issueJson({ labels: [], assignees: [] }));
    const created: TicketRef[] = [];
    const err = await trackerError(connector().create(ticket({ assignee: 'ann@example.com' }), async (ref) => void created.push(ref)));
    expect(created).toEqual([REF]);
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('push');
  });

  it('reports the new issue to onCreated, then closes a defect that is already resolved', async () => {
    nock(API)
      .post('/repos/acme/app/issues')
      .reply(answer(201, issueJson({ number: 13 })))
      .patch('/repos/acme/app/issues/13')
      .reply(answer(200, issueJson({ number: 13, state: 'closed', state_reason: 'completed' })));
    const ref = await connector().create(ticket({ status: 'resolved' }), async (created) => {
      seen.push({ method: 'onCreated', path: created.key, headers: {}, body: undefined });
    });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /repos/acme/app/issues', 'onCreated acme/app#13', 'PATCH /repos/acme/app/issues/13']);
    expect(seen[2]!.body).toEqual({ state: 'closed', state_reason: 'completed' });
    expect(ref.key).toBe('acme/app#13');
  });
});

describe('update', () => {
  it('makes no request at all for an empty change set', async () => {
    // disableNetConnect and no interceptor: any request would fail the call.
    await expect(connector().update(REF, ticket(), changes())).resolves.toEqual(REF);
    expect(seen).toEqual([]);
  });

  it('title: one PATCH with the trimmed title only', async () => {
    nock(API).patch('/repos/acme/app/issues/12').reply(answer(200, issueJson({ title: 'New' })));
    await connector().update(REF, ticket({ title: ' New ' }), changes('title'));
    expect(seen.map((s) => s.body)).toEqual([{ title: 'New' }]);
  });

  it('description: one PATCH with the re-rendered body', async () => {
    const t = ticket({ description: 'Now with screenshots' });
    nock(API).patch('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
    await connector().update(REF, t, changes('description', 'context'));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['PATCH /repos/acme/app/issues/12']);
    expect(seen.map((s) => s.body)).toEqual([{ body: markdownBody(t) }]);
  });

  it('context without description: reads the body and keeps the person’s text byte for byte, replacing only the footer', async () => {
    const person = '  Edited on GitHub:\r\n\r\n* keep   this\r\n\r\n';
    const t = ticket({ description: 'the defect’s description must not land' });
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body: `${person}${markdownFooter(ticket({ severity: 'low' }))}` })))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()));
    await connector().update(REF, t, changes('context'));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /repos/acme/app/issues/12', 'PATCH /repos/acme/app/issues/12']);
    expect(seen[1]!.body).toEqual({ body: `${person}${markdownFooter(t)}` });
  });

  it('context on an issue linked by hand (no footer yet): appends the footer to the person’s body', async () => {
    const t = ticket();
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body: 'Written by hand' })))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()));
    await connector().update(REF, t, changes('context'));
    expect(seen[1]!.body).toEqual({ body: `Written by hand\n\n${markdownFooter(t)}` });
  });

  const LABELS = '/repos/acme/app/issues/12/labels';
  const ASSIGNEES = '/repos/acme/app/issues/12/assignees';
  const labelList = (...names: string[]) => names.map((name, i) => ({ id: 100 + i, name, color: 'ededed', default: false, description: null }));
  const calls = () => seen.map((s) => `${s.method} ${s.path}`);

  it('severity (previous known): body footer via GET + PATCH, then adds the new label and removes the old one, never PATCHing labels', async () => {
    const t = ticket({ severity: 'low' });
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body: markdownBody(ticket()), labels: ['bug', 'severity: high', 'needs-repro'] })))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()))
      .post(LABELS)
      .reply(answer(200, labelList('bug', 'severity: high', 'needs-repro', 'severity: low')))
      .delete(`${LABELS}/severity%3A%20high`)
      .reply(answer(200, labelList('bug', 'needs-repro', 'severity: low')));
    await connector().update(REF, t, changes('severity'), ticket({ severity: 'high' }).fields);
    expect(calls()).toEqual(['GET /repos/acme/app/issues/12', 'PATCH /repos/acme/app/issues/12', `POST ${LABELS}`, `DELETE ${LABELS}/severity%3A%20high`]);
    expect(seen[1]!.body).toEqual({ body: markdownBody(t) });
    expect(seen[2]!.body).toEqual({ labels: ['severity: low'] });
  });

  it('severity with description: no GET; a 404 "Label does not exist" on the old label is fine', async () => {
    const t = ticket({ severity: 'low', description: 'new text' });
    nock(API)
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()))
      .post(LABELS)
      .reply(answer(200, labelList('severity: low')))
      .delete(`${LABELS}/severity%3A%20high`)
      .reply(answer(404, { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue', status: '404' }));
    await connector().update(REF, t, changes('severity', 'description'), ticket({ severity: 'high' }).fields);
    expect(calls()).toEqual(['PATCH /repos/acme/app/issues/12', `POST ${LABELS}`, `DELETE ${LABELS}/severity%3A%20high`]);
  });

  it('severity with previous unknown: removes every severity label on the issue but the wanted one', async () => {
    const t = ticket({ severity: 'low', description: 'new text' });
    nock(API)
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()))
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ labels: ['severity: high', 'bug', 'Severity: Critical'] })))
      .post(LABELS)
      .reply(answer(200, labelList('severity: high', 'bug', 'Severity: Critical', 'severity: low')))
      .delete(`${LABELS}/severity%3A%20high`)
      .reply(answer(200, labelList('bug', 'Severity: Critical', 'severity: low')))
      .delete(`${LABELS}/Severity%3A%20Critical`)
      .reply(answer(200, labelList('bug', 'severity: low')));
    await connector().update(REF, t, changes('severity', 'description'), null);
    expect(calls()).toEqual([
      'PATCH /repos/acme/app/issues/12',
      'GET /repos/acme/app/issues/12',
      `POST ${LABELS}`,
      `DELETE ${LABELS}/severity%3A%20high`,
      `DELETE ${LABELS}/Severity%3A%20Critical`,
    ]);
  });

  it('severity: a label GitHub silently dropped (no push access) is rejected, not recorded as done', async () => {
    nock(API)
      .patch('/repos/acme/app/issues/12')
      .reply(200, issueJson())
      .post(LABELS)
      .reply(200, labelList('severity: high'));
    const err = await trackerError(connector().update(REF, ticket({ severity: 'low', description: 'x' }), changes('severity', 'description'), ticket().fields));
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/severity: low.*push/);
  });

  it('assignee: adds the new login and removes the old one, keeping co-assignees a person added', async () => {
    nock(API)
      .post(ASSIGNEES)
      .reply(answer(201, issueJson({ assignees: ['ann-gh', 'carol', 'bob-gh'] })))
      .delete(ASSIGNEES)
      .reply(answer(200, issueJson({ assignees: ['carol', 'bob-gh'] })));
    await connector().update(REF, ticket({ assignee: 'bob@example.com' }), changes('assignee'), ticket({ assignee: 'ann@example.com' }).fields);
    expect(calls()).toEqual([`POST ${ASSIGNEES}`, `DELETE ${ASSIGNEES}`]);
    expect(seen.map((s) => s.body)).toEqual([{ assignees: ['bob-gh'] }, { assignees: ['ann-gh'] }]);
  });

  it('assignee: one call to assign from nobody, one to unassign (nobody or an unmapped person)', async () => {
    nock(API)
      .post(ASSIGNEES)
      .reply(answer(201, issueJson({ assignees: ['bob-gh'] })))
      .delete(ASSIGNEES)
      .times(2)
      .reply(answer(200, issueJson({ assignees: [] })));
    await connector().update(REF, ticket({ assignee: 'bob@example.com' }), changes('assignee'), ticket({ assignee: null }).fields);
    await connector().update(REF, ticket({ assignee: null }), changes('assignee'), ticket({ assignee: 'bob@example.com' }).fields);
    await connector().update(REF, ticket({ assignee: 'cy@example.com' }), changes('assignee'), ticket({ assignee: 'ann@example.com' }).fields);
    expect(calls()).toEqual([`POST ${ASSIGNEES}`, `DELETE ${ASSIGNEES}`, `DELETE ${ASSIGNEES}`]);
    expect(seen.map((s) => s.body)).toEqual([{ assignees: ['bob-gh'] }, { assignees: ['bob-gh'] }, { assignees: ['ann-gh'] }]);
  });

  it('assignee with previous unknown: reads the issue and removes the other mapped people only', async () => {
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ assignees: ['ann-gh', 'carol'] })))
      .post(ASSIGNEES)
      .reply(answer(201, issueJson({ assignees: ['ann-gh', 'carol', 'bob-gh'] })))
      .delete(ASSIGNEES)
      .reply(answer(200, issueJson({ assignees: ['carol', 'bob-gh'] })));
    await connector().update(REF, ticket({ assignee: 'bob@example.com' }), changes('assignee'), null);
    expect(seen.slice(1).map((s) => s.body)).toEqual([{ assignees: ['bob-gh'] }, { assignees: ['ann-gh'] }]);
  });

  it('assignee: an assignee GitHub silently dropped (no push access, or not assignable) is rejected', async () => {
    nock(API).post(ASSIGNEES).reply(201, issueJson({ assignees: [] }));
    const err = await trackerError(connector().update(REF, ticket({ assignee: 'bob@example.com' }), changes('assignee'), ticket().fields));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('bob-gh');
    expect(err.message).toContain('push');
  });

  it.each([
    ['resolved', { state: 'closed', state_reason: 'completed' }],
    ['closed', { state: 'closed', state_reason: 'completed' }],
    ['reopened', { state: 'open', state_reason: 'reopened' }],
    ['in_progress', { state: 'open', state_reason: 'reopened' }],
    ['open', { state: 'open', state_reason: 'reopened' }],
  ] as const)('status %s: one PATCH %j', async (status, body) => {
    nock(API).patch('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
    await connector().update(REF, ticket({ status }), changes('status'));
    expect(seen.map((s) => s.body)).toEqual([body]);
  });

  it('carries the issue fields in one PATCH, labels and assignees by their endpoints, and returns the ref GitHub reports', async () => {
    const t = ticket({ title: 'T2', severity: 'critical', status: 'closed', assignee: 'ann@example.com' });
    nock(API)
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ repo: 'ACME/app' })))
      .post(LABELS)
      .reply(answer(200, labelList('severity: critical')))
      .delete(`${LABELS}/severity%3A%20high`)
      .reply(answer(200, labelList('severity: critical')))
      .post(ASSIGNEES)
      .reply(answer(201, issueJson({ repo: 'ACME/app', assignees: ['ann-gh'] })));
    const ref = await connector().update(REF, t, changes('title', 'description', 'severity', 'status', 'assignee', 'context'), ticket().fields);
    expect(seen[0]!.body).toEqual({ title: 'T2', body: markdownBody(t), state: 'closed', state_reason: 'completed' });
    expect(calls().slice(1)).toEqual([`POST ${LABELS}`, `DELETE ${LABELS}/severity%3A%20high`, `POST ${ASSIGNEES}`]);
    expect(ref).toEqual({ remoteId: '12', key: 'ACME/app#12', url: 'https://github.com/ACME/app/issues/12' });
  });
});

describe('read', () => {
  it('maps the issue back to defect terms', async () => {
    const t = ticket({ description: 'Steps:\n1. open' });
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(
        answer(
          200,
          issueJson({
            title: 'Login fails',
            body: markdownBody(t),
            state: 'closed',
            state_reason: 'not_planned',
            labels: ['bug', 'severity: low'],
            assignees: ['stranger', 'Ann-GH'],
            updated_at: '2026-11-24T11:12:13Z',
          }),
        ),
      );
    expect(await connector().read(REF)).toEqual({
      ...REF,
      fields: { title: 'Login fails', description: 'Steps:\n1. open', severity: 'low', status: 'closed', assignee: 'ann@example.com', milestone: null, tags: ['bug'] },
      markerDefectId: DEFECT_ID,
      unmappedAssignee: null,
      updatedAt: new Date('2026-11-24T11:12:13Z'),
    });
  });

  it('reads an issue a person wrote: whole body as description, medium, no marker', async () => {
    nock(API).get('/repos/acme/app/issues/12').reply(200, issueJson({ body: 'Just text', labels: ['bug'] }));
    const r = await connector().read(REF);
    expect(r.fields).toMatchObject({ description: 'Just text', severity: 'medium', status: 'open', assignee: null });
    expect(r.markerDefectId).toBeNull();
  });

  it('reports moved when the issue answers from another repository', async () => {
    nock(API).get('/repos/acme/app/issues/12').reply(200, issueJson({ repo: 'acme/other' }));
    const err = await trackerError(connector().read(REF));
    expect(err.kind).toBe('moved');
    expect(err.message).toContain('acme/other');
  });
});

describe('conditional requests (ETag)', () => {
  const ETAG = 'W/"4e1c0ffee"';

  it('read sends If-None-Match with the ETag of the last answer, and a 304 gives the same ticket', async () => {
    const body = markdownBody(ticket());
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body }), { etag: ETAG }))
      .get('/repos/acme/app/issues/12')
      .reply(answer(304, '', { etag: ETAG }));
    const gh = connector();
    const first = await gh.read(REF);
    const second = await gh.read(REF);
    expect(seen[0]!.headers['if-none-match']).toBeUndefined();
    expect(seen[1]!.headers['if-none-match']).toBe(ETAG);
    expect(second).toEqual(first);
  });

  it('a changed issue answers 200 with a new ETag, which the next read sends', async () => {
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ title: 'Old' }), { etag: ETAG }))
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ title: 'New' }), { etag: 'W/"2"' }))
      .get('/repos/acme/app/issues/12')
      .reply(answer(304, '', { etag: 'W/"2"' }));
    const gh = connector();
    await gh.read(REF);
    expect((await gh.read(REF)).fields.title).toBe('New');
    expect((await gh.read(REF)).fields.title).toBe('New');
    expect(seen.map((s) => s.headers['if-none-match'])).toEqual([undefined, ETAG, 'W/"2"']);
  });

  it('a footer-only update right after a read uses that reading: no second GET', async () => {
    const person = 'Person’s text\n\n';
    const t = ticket({ severity: 'low' });
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body: `${person}${markdownFooter(ticket())}` }), { etag: ETAG }))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()));
    const gh = connector();
    await gh.read(REF);
    await gh.update(REF, t, changes('context'), t.fields);
    expect(seen.map((r) => r.method)).toEqual(['GET', 'PATCH']);
    expect(seen[1]!.body).toEqual({ body: `${person}${markdownFooter(t)}` });
  });

  it('a footer-only update with no recent read GETs the issue, conditionally', async () => {
    const person = 'Person’s text\n\n';
    const t = ticket({ severity: 'low' });
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson({ body: `${person}${markdownFooter(ticket())}` }), { etag: ETAG }))
      .get('/repos/acme/app/issues/12')
      .reply(answer(304, '', { etag: ETAG }))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, issueJson()));
    const gh = connector();
    await gh.read(REF);
    await gh.update(REF, t, changes('title'), t.fields); // takes the reading (no body needed for a title)
    await gh.update(REF, t, changes('context'), t.fields);
    const gets = seen.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers['if-none-match']).toBe(ETAG);
    expect(seen.at(-1)!.body).toEqual({ body: `${person}${markdownFooter(t)}` });
  });
});

describe('transferred issues (301)', () => {
  const moved = { message: 'Moved Permanently', url: `${API}/repositories/42/issues/3`, documentation_url: 'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects' };

  it('read: 301 is reported as moved and not followed', async () => {
    nock(API).get('/repos/acme/app/issues/12').reply(301, moved, { location: moved.url });
    const err = await trackerError(connector().read(REF));
    expect(err).toMatchObject({ kind: 'moved', status: 301 });
    expect(err.message).toContain(moved.url);
  });

  it('update: the PATCH is not re-sent to the new location', async () => {
    nock(API).patch('/repos/acme/app/issues/12').reply(301, moved, { location: moved.url });
    // Were the redirect followed, this PATCH would hit /repositories/42 and fail on a missing interceptor.
    const err = await trackerError(connector().update(REF, ticket(), changes('title')));
    expect(err.kind).toBe('moved');
  });
});

describe('a renamed or transferred repository', () => {
  it('a redirect on create is rejected (a setting to fix), not followed', async () => {
    nock(API)
      .post('/repos/acme/app/issues')
      .reply(307, { message: 'Temporary Redirect', url: `${API}/repositories/42/issues` }, { location: `${API}/repositories/42/issues` });
    const err = await trackerError(connector().create(ticket()));
    expect(err).toMatchObject({ kind: 'rejected', status: 307 });
    expect(err.message).toContain('acme/app was renamed or moved');
  });
});

describe('findByMarker', () => {
  // Attempt at 10:00:00.750 by our clock; the window opens five minutes earlier, on a whole second.
  const ATTEMPT = new Date('2026-11-24T10:00:00.750Z');
  const QUERY = 'state=all&sort=created&direction=desc&since=2026-11-24T09%3A55%3A00Z&per_page=100';
  const created = (over: Parameters<typeof issueJson>[0], at: string) => ({ ...issueJson(over), created_at: at });
  const mine = (number: number, at: string) => created({ number, body: `desc\n\n<!-- ${markerFor(DEFECT_ID)} -->\n` }, at);

  it('lists issues newest first from five minutes before the attempt, following Link, and answers the oldest hit, skipping pull requests and other defects', async () => {
    const next = `${API}/repositories/42/issues?${QUERY}&page=2`;
    nock(API)
      .get('/repos/acme/app/issues')
      .query(true)
      .reply(
        answer(
          200,
          [
            created({ number: 31, pull_request: true, body: markerFor(DEFECT_ID) }, '2026-11-24T10:05:00Z'),
            mine(30, '2026-11-24T10:04:00Z'),
            created({ number: 29, body: `x <!-- ${markerFor(OTHER_DEFECT_ID)} -->` }, '2026-11-24T10:03:00Z'),
          ],
          { link: `<${next}>; rel="next"` },
        ),
      )
      .get('/repositories/42/issues')
      .query(true)
      .reply(answer(200, [mine(7, '2026-11-24T09:56:00Z')]));
    const ref = await connector().findByMarker(DEFECT_ID, ATTEMPT);
    expect(seen.map((s) => s.path)).toEqual([`/repos/acme/app/issues?${QUERY}&page=1`, `/repositories/42/issues?${QUERY}&page=2`]);
    expect(seen[1]!.headers['authorization']).toBe(`token ${TOKEN}`);
    expect(ref).toEqual({ remoteId: '7', key: 'acme/app#7', url: 'https://github.com/acme/app/issues/7' });
  });

  it('stops at the first issue created before the window, however many pages GitHub says follow', async () => {
    nock(API)
      .get('/repos/acme/app/issues')
      .query(true)
      .reply(
        answer(200, [mine(40, '2026-11-24T10:01:00Z'), created({ number: 3, body: 'old, but edited recently' }, '2025-01-01T00:00:00Z')], {
          link: `<${API}/repositories/42/issues?page=2>; rel="next", <${API}/repositories/42/issues?page=120>; rel="last"`,
        }),
      );
    expect(await connector().findByMarker(DEFECT_ID, ATTEMPT)).toMatchObject({ remoteId: '40' });
    expect(seen).toHaveLength(1);
  });

  it('answers null when no issue in the window carries the marker', async () => {
    nock(API).get('/repos/acme/app/issues').query(true).reply(200, [created({ number: 3, body: 'nothing' }, '2026-11-24T10:00:00Z')]);
    expect(await connector().findByMarker(DEFECT_ID, ATTEMPT)).toBeNull();
  });

  it('lists at most 10 pages, then asks the search index for the marker (the oldest hit, issues only, in the window)', async () => {
    const page = Array.from({ length: 100 }, (_, i) => created({ number: 1000 + i, body: 'busy' }, '2026-11-24T10:30:00Z'));
    nock(API)
      .get('/repos/acme/app/issues')
      .query(true)
      .reply(200, page, { link: `<${API}/repositories/42/issues?page=2>; rel="next"` })
      .get('/repositories/42/issues')
      .query(true)
      .times(9)
      .reply(200, page, { link: `<${API}/repositories/42/issues?page=3>; rel="next"` })
      .get('/search/issues')
      .query(true)
      .reply(answer(200, { total_count: 1, incomplete_results: false, items: [mine(44, '2026-11-24T10:00:02Z')] }));
    expect(await connector().findByMarker(DEFECT_ID, ATTEMPT)).toMatchObject({ remoteId: '44' });
    const search = new URL(`${API}${seen.at(-1)!.path}`).searchParams;
    expect(Object.fromEntries(search)).toEqual({
      q: `repo:acme/app is:issue in:body "${markerFor(DEFECT_ID)}" created:>=2026-11-24T09:55:00Z`,
      sort: 'created',
      order: 'asc',
      per_page: '100',
      advanced_search: 'true',
    });
  });

  it('never sends the token to a next-page link on another host', async () => {
    nock(API).get('/repos/acme/app/issues').query(true).reply(200, [], { link: '<https://evil.example/x?page=2>; rel="next"' });
    const err = await trackerError(connector().findByMarker(DEFECT_ID, new Date()));
    expect(err.kind).toBe('rejected');
  });
});

describe('lookup', () => {
  it.each(['12', '#12', 'acme/app#12', 'https://github.com/acme/app/issues/12', 'https://api.github.com/repos/acme/app/issues/12'])(
    '%s → GET issue 12',
    async (input) => {
      nock(API).get('/repos/acme/app/issues/12').reply(answer(200, issueJson()));
      expect(await connector().lookup(input)).toMatchObject(REF);
      expect(seen).toHaveLength(1);
    },
  );

  it('GitHub Enterprise: the web URL on the API host, requests under /api/v3', async () => {
    nock('https://ghe.example').get('/api/v3/repos/acme/app/issues/7').reply(200, {
      ...issueJson({ number: 7 }),
      repository_url: 'https://ghe.example/api/v3/repos/acme/app',
      html_url: 'https://ghe.example/acme/app/issues/7',
    });
    const r = await connector({ apiUrl: 'https://ghe.example/api/v3' }).lookup('https://ghe.example/acme/app/issues/7');
    expect(r).toMatchObject({ remoteId: '7', key: 'acme/app#7', url: 'https://ghe.example/acme/app/issues/7' });
  });

  it('refuses another repository without a request', async () => {
    const err = await trackerError(connector().lookup('https://github.com/acme/other/issues/12'));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('acme/app');
  });

  it('refuses a pull request number', async () => {
    nock(API).get('/repos/acme/app/issues/5').reply(200, issueJson({ number: 5, pull_request: true }));
    expect(await trackerError(connector().lookup('#5'))).toMatchObject({ kind: 'rejected', message: expect.stringContaining('pull request') });
  });

  it('a number that is no issue is gone', async () => {
    nock(API).get('/repos/acme/app/issues/999').reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/issues#get-an-issue', status: '404' });
    expect(await trackerError(connector().lookup('999'))).toMatchObject({ kind: 'gone', status: 404 });
  });
});
