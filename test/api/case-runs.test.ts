import { describe, expect, it } from 'vitest';
import { testApi, unique, distinctMessage } from '../helpers/context.ts';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';

const { prisma, http } = testApi();

describe('POST /api/case-runs', () => {
  it('records a run with its times', async () => {
    const run = await recordRun(http, {
      testCase: 'cart › adds item',
      status: 'failed',
      message: 'Expected 2 items\nat cart.spec.ts:12',
      startedAt: '2026-11-24T10:00:00Z',
      finishedAt: '2026-11-24T10:00:05.250Z',
    });
    expect(run).toMatchObject({
      launch: 'nightly',
      testCase: 'cart › adds item',
      status: 'failed',
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:00:05.250Z',
      ranAt: '2026-11-24T10:00:05.250Z',
      affectedDefects: [],
    });
  });

  it.each([
    [{ testCase: 't', status: 'failed' }, 'launch'],
    [{ launch: 'l', status: 'failed' }, 'testCase'],
    [{ launch: 'l', testCase: 't', status: 'broken' }, 'status'],
    [{ launch: 'l', testCase: 't', status: 'failed', startedAt: 'yesterday' }, 'startedAt'],
    [{ launch: 'l', testCase: 't', status: 'failed', startedAt: '2026-11-24T10:00:00Z', finishedAt: '2026-11-24T09:00:00Z' }, 'finishedAt'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const res = await http.post('/api/case-runs').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });
});

describe('POST /api/case-runs/:id/defect', () => {
  it('raises a defect from a failed run: title from test case and first message line, medium, run linked', async () => {
    const testCase = unique('checkout › pays');
    const run = await recordRun(http, { testCase, status: 'failed', message: distinctMessage('Timeout 5000ms exceeded\n  at pay()') });
    const res = await http.post(`/api/case-runs/${run.id}/defect`).set('X-Actor', 'user:qa');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: expect.stringMatching(new RegExp(`^${testCase}: Timeout 5000ms exceeded \\([g-z]+\\)$`)),
      severity: 'medium',
      status: 'open',
      caseRuns: [{ id: run.id }],
      history: [{ to: 'open', actor: 'user:qa' }],
    });
    expect(res.headers.location).toBe(`/api/defects/${res.body.key}`);
  });

  it('answers 409 for a run that did not fail and 404 for an unknown run', async () => {
    const run = await recordRun(http, { testCase: unique('tc'), status: 'skipped' });
    const notFailed = await http.post(`/api/case-runs/${run.id}/defect`);
    expect(notFailed.status).toBe(409);
    expect(notFailed.body.error).toMatchObject({ code: 'case_run_not_failed', details: { status: 'skipped' } });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const res = await http.post(`/api/case-runs/${id}/defect`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('POST /api/defects/:idOrKey/case-runs', () => {
  it('links a failure once (201), then is idempotent (200), with one outbox row', async () => {
    const d = await createDefect(http);
    const run = await recordRun(http, { testCase: unique('tc'), status: 'failed' });
    const first = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: run.id });
    expect(first.status).toBe(201);
    expect(first.body.caseRuns.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expect(first.body.version).toBe(2);
    const again = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: run.id });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(2);
    const kinds = (await prisma.outboxEvent.findMany({ where: { defectId: d.id }, orderBy: { id: 'asc' } })).map((o) => o.kind);
    expect(kinds).toEqual(['defect.created', 'defect.case_run_linked']);
  });

  it('answers 400 for a bad or unknown run id, 409 for a passed run, 404 for an unknown defect', async () => {
    const d = await createDefect(http);
    const bad = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('caseRunId');
    const unknown = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_reference', details: { field: 'caseRunId' } });
    const passed = await recordRun(http, { testCase: unique('tc'), status: 'passed' });
    expect((await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: passed.id })).status).toBe(409);
    const failed = await recordRun(http, { testCase: unique('tc'), status: 'failed' });
    expect((await http.post('/api/defects/DEF-999999999/case-runs').send({ caseRunId: failed.id })).status).toBe(404);
  });
});

describe('verification loop', () => {
  async function resolvedDefectFor(testCase: string) {
    const run = await recordRun(http, { testCase, status: 'failed', message: distinctMessage('broken') });
    const d = (await http.post(`/api/case-runs/${run.id}/defect`).expect(201)).body;
    await patchDefect(http, d.key, { status: 'resolved' });
    return d;
  }

  it('reopens a resolved defect when its test case fails again, naming the run as cause', async () => {
    const testCase = unique('login');
    const d = await resolvedDefectFor(testCase);
    const rerun = await recordRun(http, { testCase, status: 'failed', message: distinctMessage('still broken') });
    expect(rerun.affectedDefects).toEqual([{ id: d.id, key: d.key, status: 'reopened' }]);
    const after = (await http.get(`/api/defects/${d.key}`)).body;
    expect(after.status).toBe('reopened');
    expect(after.history.at(-1)).toMatchObject({ from: 'resolved', to: 'reopened', actor: 'verification', causeCaseRunId: rerun.id });
    expect(after.caseRuns.map((r: { id: string }) => r.id)).toContain(rerun.id);
    const last = await prisma.outboxEvent.findFirst({ where: { defectId: d.id }, orderBy: { id: 'desc' } });
    expect(last).toMatchObject({ kind: 'defect.status_changed', payload: { status: { from: 'resolved', to: 'reopened' } } });
  });

  it('reopens a closed defect too', async () => {
    const testCase = unique('search');
    const d = await resolvedDefectFor(testCase);
    await patchDefect(http, d.key, { status: 'closed' });
    await recordRun(http, { testCase, status: 'failed' });
    expect((await http.get(`/api/defects/${d.key}`)).body.status).toBe('reopened');
  });

  it('does not reopen on a late report of a failure older than the latest run', async () => {
    const testCase = unique('profile');
    const d = await resolvedDefectFor(testCase);
    await recordRun(http, { testCase, status: 'passed', finishedAt: '2030-01-01T00:00:00Z' });
    const late = await recordRun(http, { testCase, status: 'failed', finishedAt: '2029-12-31T00:00:00Z' });
    expect(late.affectedDefects).toEqual([]);
    expect((await http.get(`/api/defects/${d.key}`)).body.status).toBe('closed');
  });

  it('leaves open and in-progress defects alone on a new failure', async () => {
    const testCase = unique('upload');
    const run = await recordRun(http, { testCase, status: 'failed' });
    const d = (await http.post(`/api/case-runs/${run.id}/defect`).expect(201)).body;
    const again = await recordRun(http, { testCase, status: 'failed' });
    expect(again.affectedDefects).toEqual([]);
    expect((await http.get(`/api/defects/${d.key}`)).body).toMatchObject({ status: 'open', version: 1 });
  });

  it('closes a resolved defect once the latest run of every linked test case passes', async () => {
    const tcA = unique('a');
    const tcB = unique('b');
    const runA = await recordRun(http, { testCase: tcA, status: 'failed' });
    const runB = await recordRun(http, { testCase: tcB, status: 'failed' });
    const d = await createDefect(http, { caseRunIds: [runA.id, runB.id] });
    await patchDefect(http, d.key, { status: 'resolved' });

    const passA = await recordRun(http, { testCase: tcA, status: 'passed' });
    expect(passA.affectedDefects).toEqual([]);
    await recordRun(http, { testCase: tcB, status: 'skipped' });
    expect((await http.get(`/api/defects/${d.key}`)).body.status).toBe('resolved');

    const passB = await recordRun(http, { testCase: tcB, status: 'passed' });
    expect(passB.affectedDefects).toEqual([{ id: d.id, key: d.key, status: 'closed' }]);
    const after = (await http.get(`/api/defects/${d.key}`)).body;
    expect(after.history.at(-1)).toMatchObject({ from: 'resolved', to: 'closed', actor: 'verification', causeCaseRunId: passB.id });
  });

  it('does not close a defect that is not resolved yet', async () => {
    const testCase = unique('report');
    const run = await recordRun(http, { testCase, status: 'failed' });
    const d = (await http.post(`/api/case-runs/${run.id}/defect`).expect(201)).body;
    await recordRun(http, { testCase, status: 'passed' });
    expect((await http.get(`/api/defects/${d.key}`)).body.status).toBe('open');
  });

  it('reopens a fixed defect when a fresh failure is linked to it by hand', async () => {
    const d = await createDefect(http);
    await patchDefect(http, d.key, { status: 'resolved' });
    const run = await recordRun(http, { testCase: unique('manual'), status: 'failed' });
    const res = await http.post(`/api/defects/${d.key}/case-runs`).send({ caseRunId: run.id });
    expect(res.body.status).toBe('reopened');
    expect(res.body.history.at(-1)).toMatchObject({ to: 'reopened', causeCaseRunId: run.id });
  });
});
