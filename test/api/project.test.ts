// Issue 14: defects and case runs carry an optional `project` (1-100 characters A-Za-z0-9._-), filtered by
// ?project=, taken by a defect raised from a run, shown by every defect view, and part of the outbox like
// other fields (never sent to trackers: no ticket field carries it).
import { describe, expect, it } from 'vitest';
import { testApi, unique } from '../helpers/context.ts';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';

const { prisma, http } = testApi();

const outboxOf = (defectId: string) => prisma.outboxEvent.findMany({ where: { defectId }, orderBy: { id: 'asc' } });
/** A project name unique to this run: A-Za-z0-9._- only. */
const project = () => unique('proj.web_');

async function storeCounts() {
  return [await prisma.defect.count(), await prisma.caseRun.count(), await prisma.statusChange.count(), await prisma.outboxEvent.count()];
}

async function expect400(send: () => PromiseLike<{ status: number; body: any }>, field = 'project') {
  const before = await storeCounts();
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.message).toContain(field);
  const reported = (res.body.error.details.fields as { field: string; message: string }[]).filter((f) => f.field === field);
  expect(reported.length, JSON.stringify(res.body)).toBeGreaterThan(0);
  // A rule of the field refused it, not the strict object (a field it does not know).
  if (field === 'project') for (const f of reported) expect(f.message).not.toBe('is not a known field');
  expect(await storeCounts()).toEqual(before);
  return res;
}

const BAD: [string, unknown][] = [
  ['empty', ''],
  ['101 characters', 'p'.repeat(101)],
  ['a space', 'web app'],
  ['only a space', ' '],
  ['a trailing space', 'web '],
  ['a slash', 'web/app'],
  ['a NUL', 'web\u0000'],
  ['a lone surrogate', 'web\ud800'],
  ['a non-ASCII letter', 'wéb'],
  ['a number', 42],
];

describe('project on defects', () => {
  it('is null by default, stamped and in the created outbox row', async () => {
    const d = await createDefect(http);
    expect(d.project).toBeNull();
    expect(d.fieldChangedAt.project).toBeDefined();
    expect((await outboxOf(d.id))[0]!.payload).toMatchObject({ fields: expect.arrayContaining(['project']) });
  });

  it('is stored on create and returned by the detail, GET by key and GET by id', async () => {
    const p = project();
    const res = await http.post('/api/defects').send({ title: 'has a project', project: p });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.project).toBe(p);
    for (const ref of [res.body.key, res.body.id]) {
      const got = await http.get(`/api/defects/${ref}`);
      expect(got.status).toBe(200);
      expect(got.body.project).toBe(p);
    }
  });

  it('accepts 1 and 100 characters of A-Za-z0-9._-', async () => {
    for (const p of ['x', 'A-z_0.9', 'p'.repeat(100)]) expect((await createDefect(http, { project: p })).project).toBe(p);
  });

  it('is set by PATCH, with a version bump, a field stamp and a defect.updated outbox row naming it', async () => {
    const d = await createDefect(http);
    const p = project();
    const res = await http.patch(`/api/defects/${d.key}`).set('X-Actor', 'user:ann').send({ project: p });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ project: p, version: 2 });
    expect(res.body.fieldChangedAt.project > d.fieldChangedAt.project).toBe(true);
    expect(res.body.fieldChangedAt.title).toBe(d.fieldChangedAt.title);
    const outbox = await outboxOf(d.id);
    expect(outbox.map((o) => o.kind)).toEqual(['defect.created', 'defect.updated']);
    expect(outbox[1]!.payload).toMatchObject({ version: 2, actor: 'user:ann', fields: ['project'] });
  });

  it('is cleared by PATCH with null; the same value again changes nothing', async () => {
    const p = project();
    const d = await createDefect(http, { project: p });
    const same = await patchDefect(http, d.key, { project: p });
    expect(same.version).toBe(1);
    const cleared = await patchDefect(http, d.key, { project: null });
    expect(cleared).toMatchObject({ project: null, version: 2 });
    expect((await http.get(`/api/defects/${d.key}`)).body.project).toBeNull();
    expect((await outboxOf(d.id)).map((o) => o.kind)).toEqual(['defect.created', 'defect.updated']);
  });

  it.each(BAD)('POST /api/defects refuses %s with a 400 naming project', async (_what, value) => {
    await expect400(() => http.post('/api/defects').send({ title: 'ok', project: value }));
  });

  it.each(BAD)('PATCH refuses %s with a 400 naming project, leaving the defect as it was', async (_what, value) => {
    const p = project();
    const d = await createDefect(http, { project: p });
    await expect400(() => http.patch(`/api/defects/${d.key}`).send({ project: value }));
    expect((await http.get(`/api/defects/${d.key}`)).body).toMatchObject({ project: p, version: 1 });
  });
});

describe('GET /api/defects?project=', () => {
  it('lists only that project, newest first, every item showing its project, paged', async () => {
    const p = project();
    const other = project();
    const a = await createDefect(http, { project: p });
    await createDefect(http, { project: other });
    await createDefect(http);
    const b = await createDefect(http, { project: p });
    const c = await createDefect(http, { project: p, severity: 'high' });

    const all = await http.get(`/api/defects?project=${p}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((d: { key: string }) => d.key)).toEqual([c.key, b.key, a.key]);
    for (const d of all.body.data) expect(d.project).toBe(p);

    const page1 = await http.get(`/api/defects?project=${p}&limit=2`);
    expect(page1.body.data.map((d: { key: string }) => d.key)).toEqual([c.key, b.key]);
    const page2 = await http.get(`/api/defects?project=${p}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ data: [{ key: a.key, project: p }], nextCursor: null });

    const combined = await http.get(`/api/defects?project=${p}&severity=high`);
    expect(combined.body.data.map((d: { key: string }) => d.key)).toEqual([c.key]);
  });

  it('shows project (null when unset) on every listed defect', async () => {
    const d = await createDefect(http);
    const res = await http.get('/api/defects?limit=100');
    expect(res.status).toBe(200);
    for (const item of res.body.data) expect(item).toHaveProperty('project');
    expect(res.body.data.find((i: { key: string }) => i.key === d.key).project).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['101 characters', 'p'.repeat(101)],
    ['a space', 'web%20app'],
    ['a slash', 'web%2Fapp'],
    ['a NUL', 'web%00'],
  ])('refuses %s with a 400 naming project', async (_what, value) => {
    await expect400(() => http.get(`/api/defects?project=${value}`));
  });

  it('shows project in a milestone readiness blocking list', async () => {
    const p = project();
    const milestone = unique('R');
    await createDefect(http, { project: p, milestone, severity: 'critical' });
    const res = await http.get(`/api/milestones/${milestone}/readiness`);
    expect(res.status).toBe(200);
    expect(res.body.blocking).toMatchObject([{ project: p }]);
  });
});

describe('project on case runs', () => {
  it('is stored and returned by POST /api/case-runs (null when unset)', async () => {
    const p = project();
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', project: p });
    expect(run.project).toBe(p);
    expect((await prisma.caseRun.findUniqueOrThrow({ where: { id: run.id } })).project).toBe(p);
    expect((await recordRun(http, { testCase: unique('tc'), status: 'passed' })).project).toBeNull();
  });

  it.each(BAD)('POST /api/case-runs refuses %s with a 400 naming project', async (_what, value) => {
    await expect400(() => http.post('/api/case-runs').send({ launch: 'nightly', testCase: 'tc', status: 'failed', project: value }));
  });

  it("is shown on a defect's case runs", async () => {
    const p = project();
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', project: p });
    const d = await createDefect(http, { caseRunIds: [run.id] });
    expect(d.caseRuns).toMatchObject([{ id: run.id, project: p }]);
  });
});

describe('POST /api/case-runs/:id/defect and project', () => {
  it("gives the raised defect the run's project, shown by the detail and the list", async () => {
    const p = project();
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', project: p });
    const res = await http.post(`/api/case-runs/${run.id}/defect`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ project: p, caseRuns: [{ id: run.id, project: p }] });
    expect((await http.get(`/api/defects/${res.body.key}`)).body.project).toBe(p);
    expect((await http.get(`/api/defects?project=${p}`)).body.data.map((d: { key: string }) => d.key)).toEqual([res.body.key]);
  });

  it('raises a defect without a project from a run without one', async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed' });
    const res = await http.post(`/api/case-runs/${run.id}/defect`);
    expect(res.status).toBe(201);
    expect(res.body.project).toBeNull();
  });

  it("takes the project the request names over the run's, and null for none", async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', project: project() });
    const named = project();
    const res = await http.post(`/api/case-runs/${run.id}/defect`).send({ project: named });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.project).toBe(named);
    const none = await http.post(`/api/case-runs/${run.id}/defect`).send({ project: null });
    expect(none.status, JSON.stringify(none.body)).toBe(201);
    expect(none.body.project).toBeNull();
  });

  it('refuses a bad project or an unknown field with a 400, raising nothing', async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed' });
    await expect400(() => http.post(`/api/case-runs/${run.id}/defect`).send({ project: 'a/b' }));
    await expect400(() => http.post(`/api/case-runs/${run.id}/defect`).send({ projct: 'ab' }), 'projct');
  });
});
