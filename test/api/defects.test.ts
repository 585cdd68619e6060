import { describe, expect, it } from 'vitest';
import { testApi, unique, distinctMessage } from '../helpers/context.ts';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';
import { TABLE } from '../helpers/lifecycle-table.ts';
import { allowedTransitions } from '../../src/domain/lifecycle.ts';

const { prisma, http } = testApi();

const outboxOf = (defectId: string) =>
  prisma.outboxEvent.findMany({ where: { defectId }, orderBy: { id: 'asc' } });

describe('POST /api/defects', () => {
  it('creates a defect with defaults, a key, an ETag, history and an outbox row', async () => {
    const res = await http.post('/api/defects').send({ title: '  Login button does nothing  ', tags: ['ui', ' ui', 'auth'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      key: expect.stringMatching(/^DEF-\d+$/),
      title: 'Login button does nothing',
      description: '',
      severity: 'medium',
      status: 'open',
      assignee: null,
      milestone: null,
      tags: ['auth', 'ui'],
      version: 1,
      caseRuns: [],
      links: [],
      history: [{ from: null, to: 'open', actor: 'api' }],
    });
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/api/defects/${res.body.key}`);
    expect(Object.keys(res.body.fieldChangedAt).sort()).toEqual(
      ['assignee', 'description', 'milestone', 'project', 'severity', 'status', 'tags', 'title'],
    );
    const outbox = await outboxOf(res.body.id);
    expect(outbox.map((o) => o.kind)).toEqual(['defect.created']);
    expect(outbox[0]!.payload).toMatchObject({ version: 1, actor: 'api' });
  });

  it('answers the create with the same view a GET gives (built from the insert, not read back)', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await recordRun(http, { testCase: unique('tc'), status: 'failed', message: distinctMessage(`view ${i}`) }));
    const made = await http.post('/api/defects').set('X-Actor', 'user:ann').send({ title: 'The view', tags: ['b', 'a'], caseRunIds: runs.map((r) => r.id).reverse() });
    expect(made.status).toBe(201);
    const read = await http.get(`/api/defects/${made.body.key}`);
    expect(made.body).toEqual(read.body);
    expect(made.body.caseRuns).toHaveLength(3);
    const raised = await http.post(`/api/case-runs/${(await recordRun(http, { testCase: unique('tc'), status: 'failed', message: distinctMessage('raised') })).id}/defect`);
    expect(raised.status).toBe(201);
    expect(raised.body).toEqual((await http.get(`/api/defects/${raised.body.key}`)).body);
  });

  it('links the failed case runs that found it', async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', message: distinctMessage('boom') });
    const defect = await createDefect(http, { severity: 'high', assignee: 'ann@example.com', caseRunIds: [run.id] });
    expect(defect.caseRuns.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expect((await outboxOf(defect.id))[0]!.payload).toMatchObject({ caseRunIds: [run.id] });
  });

  it.each([
    [{}, 'title'],
    [{ title: '' }, 'title'],
    [{ title: 'x'.repeat(256) }, 'title'],
    [{ title: 'ok', severity: 'urgent' }, 'severity'],
    [{ title: 'ok', tags: 'ui' }, 'tags'],
    [{ title: 'ok', tags: ['ui', ''] }, 'tags[1]'],
    [{ title: 'ok', caseRunIds: ['nope'] }, 'caseRunIds[0]'],
    [{ title: 'ok', serverity: 'high' }, 'serverity'],
    [{ title: 42 }, 'title'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await http.post('/api/defects').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('refuses an unknown case run (400) and a run that did not fail (409), writing nothing', async () => {
    const before = await prisma.defect.count();
    const missing = await http.post('/api/defects').send({ title: 'x', caseRunIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_reference', details: { field: 'caseRunIds[0]' } });

    const passed = await recordRun(http, { testCase: unique('tc'), status: 'passed' });
    const res = await http.post('/api/defects').send({ title: 'x', caseRunIds: [passed.id] });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'case_run_not_failed', details: { field: 'caseRunIds[0]', status: 'passed' } });
    expect(await prisma.defect.count()).toBe(before);
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with 400', async () => {
    const res = await http.post('/api/defects').set('Content-Type', 'application/json').send('{"title": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'malformed_json', message: 'request body is not valid JSON' } });
  });

  it('answers a body over 1 MB with 413', async () => {
    const res = await http.post('/api/defects').send({ title: 'big', description: 'x'.repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await http.post('/api/defects').set('Content-Type', 'text/plain').send('title=x');
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', details: { field: 'content-type' } });
  });

  it('answers a missing body with 400 naming the body', async () => {
    const res = await http.post('/api/defects');
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('body');
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await http.get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('GET /api/defects/:idOrKey', () => {
  it('finds a defect by key and by id', async () => {
    const d = await createDefect(http);
    const byKey = await http.get(`/api/defects/${d.key}`);
    const byId = await http.get(`/api/defects/${d.id.toUpperCase()}`);
    expect(byKey.status).toBe(200);
    expect(byKey.body).toEqual(d);
    expect(byKey.headers.etag).toBe('"1"');
    expect(byId.body.id).toBe(d.id);
  });

  it.each(['DEF-999999999', '00000000-0000-4000-8000-000000000000', 'garbage', 'DEF-0'])('answers 404 for %s', async (ref) => {
    const res = await http.get(`/api/defects/${ref}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', details: { resource: 'defect', id: ref } });
  });
});

describe('GET /api/defects', () => {
  it('filters by status, severity, assignee, milestone and tag', async () => {
    const milestone = unique('m');
    const tag = unique('t');
    const a = await createDefect(http, { milestone, severity: 'critical', assignee: 'ann', tags: [tag] });
    const b = await createDefect(http, { milestone, severity: 'low', assignee: 'bob' });
    const c = await createDefect(http, { milestone, severity: 'low', assignee: 'ann', tags: [tag] });
    await patchDefect(http, c.key, { status: 'in_progress' });

    const keys = async (query: string) => {
      const res = await http.get(`/api/defects?milestone=${milestone}&${query}`);
      expect(res.status).toBe(200);
      return res.body.data.map((d: { key: string }) => d.key);
    };
    expect(await keys('')).toEqual([c.key, b.key, a.key]);
    expect(await keys('status=open')).toEqual([b.key, a.key]);
    expect(await keys('status=in_progress,resolved')).toEqual([c.key]);
    expect(await keys('severity=critical')).toEqual([a.key]);
    expect(await keys('severity=low&assignee=ann')).toEqual([c.key]);
    expect(await keys(`tag=${tag}`)).toEqual([c.key, a.key]);
  });

  it('pages with a cursor until there is nothing left', async () => {
    const milestone = unique('paging');
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createDefect(http, { milestone })).key);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await http.get(`/api/defects?milestone=${milestone}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((d: { key: string }) => d.key));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.reverse());
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=101', 'limit'],
    ['status=done', 'status'],
    ['severity=high,urgent', 'severity'],
    ['cursor=-1', 'cursor'],
    ['colour=red', 'colour'],
  ])('refuses ?%s with a 400 naming %s', async (query, field) => {
    const res = await http.get(`/api/defects?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });
});

describe('PATCH /api/defects/:idOrKey', () => {
  it('changes fields, bumps the version, stamps only changed fields and writes one outbox row', async () => {
    const d = await createDefect(http);
    const res = await http
      .patch(`/api/defects/${d.key}`)
      .set('X-Actor', 'user:ann')
      .send({ title: 'New title', severity: 'high', assignee: 'ann', milestone: 'R1', tags: ['b', 'a'], description: 'steps' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: 'New title', severity: 'high', assignee: 'ann', milestone: 'R1', tags: ['a', 'b'], version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect(res.body.fieldChangedAt.status).toBe(d.fieldChangedAt.status);
    expect(res.body.fieldChangedAt.title > d.fieldChangedAt.title).toBe(true);
    const outbox = await outboxOf(d.id);
    expect(outbox.map((o) => o.kind)).toEqual(['defect.created', 'defect.updated']);
    expect(outbox[1]!.payload).toMatchObject({
      version: 2,
      actor: 'user:ann',
      fields: ['title', 'description', 'severity', 'assignee', 'milestone', 'tags'],
    });
  });

  it('clears optional fields with null', async () => {
    const d = await createDefect(http, { assignee: 'ann', milestone: 'R1' });
    expect(await patchDefect(http, d.key, { assignee: null, milestone: null })).toMatchObject({ assignee: null, milestone: null });
  });

  it('treats a patch that changes nothing as a no-op: same version, no outbox row', async () => {
    const d = await createDefect(http, { severity: 'low' });
    const res = await patchDefect(http, d.key, { severity: 'low', title: d.title });
    expect(res.version).toBe(1);
    expect(await outboxOf(d.id)).toHaveLength(1);
  });

  it('records status moves with who made them', async () => {
    const d = await createDefect(http);
    await http.patch(`/api/defects/${d.key}`).set('X-Actor', 'user:bob').send({ status: 'in_progress' }).expect(200);
    const res = await patchDefect(http, d.key, { status: 'resolved' });
    expect(res.history.map((h: { from: string; to: string; actor: string }) => [h.from, h.to, h.actor])).toEqual([
      [null, 'open', 'api'],
      ['open', 'in_progress', 'user:bob'],
      ['in_progress', 'resolved', 'api'],
    ]);
    expect((await outboxOf(d.id)).map((o) => o.kind)).toEqual(['defect.created', 'defect.status_changed', 'defect.status_changed']);
  });

  it('refuses an illegal move with 409 naming the allowed targets, changing nothing', async () => {
    const d = await createDefect(http);
    await patchDefect(http, d.key, { status: 'resolved' });
    await patchDefect(http, d.key, { status: 'closed' });
    const res = await http.patch(`/api/defects/${d.key}`).send({ status: 'in_progress', title: 'sneaky' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: {
        code: 'invalid_transition',
        message: 'cannot move a defect from closed to in_progress',
        from: 'closed',
        to: 'in_progress',
        allowed: ['reopened'],
      },
    });
    expect((await http.get(`/api/defects/${d.key}`)).body).toMatchObject({ status: 'closed', title: d.title, version: 3 });
  });

  it('honours If-Match: the current version passes, a stale one is 412', async () => {
    const d = await createDefect(http);
    const ok = await http.patch(`/api/defects/${d.key}`).set('If-Match', '"1"').send({ title: 'first' });
    expect(ok.status).toBe(200);
    const stale = await http.patch(`/api/defects/${d.key}`).set('If-Match', '"1"').send({ title: 'second' });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'version_mismatch', details: { currentVersion: 2 } });
    expect((await http.get(`/api/defects/${d.key}`)).body.title).toBe('first');
    const bad = await http.patch(`/api/defects/${d.key}`).set('If-Match', 'yesterday').send({ title: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('If-Match');
  });

  it('keeps every concurrent edit: versions are unique and none is lost', async () => {
    const d = await createDefect(http);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => http.patch(`/api/defects/${d.key}`).send({ tags: [`t${i}`] })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(8);
    expect((await http.get(`/api/defects/${d.key}`)).body.version).toBe(9);
    expect(await outboxOf(d.id)).toHaveLength(9);
  });

  it.each([
    [{}, 'body'],
    [{ status: 'done' }, 'status'],
    [{ title: null }, 'title'],
    [{ version: 3 }, 'version'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const d = await createDefect(http);
    const res = await http.patch(`/api/defects/${d.key}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('answers 404 for an unknown defect', async () => {
    const res = await http.patch('/api/defects/DEF-999999999').send({ title: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('the lifecycle table through PATCH', () => {
  // A legal path from a new (open) defect to each starting status.
  const PATH_TO: Record<string, string[]> = {
    open: [],
    in_progress: ['in_progress'],
    resolved: ['resolved'],
    closed: ['closed'],
    reopened: ['resolved', 'reopened'],
  };

  it.each(TABLE)('%s → %s allowed: %s', async (from, to, allowed) => {
    const d = await createDefect(http);
    for (const step of PATH_TO[from]!) await patchDefect(http, d.key, { status: step });
    const res = await http.patch(`/api/defects/${d.key}`).send({ status: to });
    if (allowed) {
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(to);
      expect(res.body.history.at(-1)).toMatchObject({ from, to });
    } else {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'invalid_transition', from, to, allowed: allowedTransitions(from) });
    }
  });
});

describe('reads', () => {
  it('ignore a Content-Type on a GET', async () => {
    const d = await createDefect(http);
    const res = await http.get(`/api/defects/${d.key}`).set('Content-Type', 'text/plain');
    expect(res.status).toBe(200);
  });
});

describe('case run references', () => {
  it('accept upper-case UUIDs and repeats, linking each run once', async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed' });
    const d = await createDefect(http, { caseRunIds: [run.id.toUpperCase(), run.id] });
    expect(d.caseRuns.map((r: { id: string }) => r.id)).toEqual([run.id]);
    const linked = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: run.id.toUpperCase() });
    expect(linked.status).toBe(200);
  });
});
