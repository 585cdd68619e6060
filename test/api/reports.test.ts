import { describe, expect, it } from 'vitest';
import { testApi, unique } from '../helpers/context.ts';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';

const { http } = testApi();

describe('GET /api/defects/:idOrKey/impact', () => {
  it('lists the affected test cases with their latest result, linked or not', async () => {
    const tcA = unique('a');
    const tcB = unique('b');
    const a1 = await recordRun(http, { testCase: tcA, status: 'failed', finishedAt: '2026-11-01T00:00:00Z' });
    const a2 = await recordRun(http, { testCase: tcA, status: 'failed', finishedAt: '2026-11-02T00:00:00Z' });
    const b1 = await recordRun(http, { testCase: tcB, status: 'failed', finishedAt: '2026-11-01T00:00:00Z' });
    const d = await createDefect(http, { caseRunIds: [a1.id, a2.id, b1.id] });
    const b2 = await recordRun(http, { testCase: tcB, status: 'passed', message: null, finishedAt: '2026-11-03T00:00:00Z' });

    const res = await http.get(`/api/defects/${d.key}/impact`);
    expect(res.status).toBe(200);
    const byCase = Object.fromEntries(res.body.testCases.map((t: { testCase: string }) => [t.testCase, t]));
    expect(byCase[tcA]).toMatchObject({ linkedRuns: 2, latestRun: { id: a2.id, status: 'failed', ranAt: '2026-11-02T00:00:00.000Z' } });
    expect(byCase[tcB]).toMatchObject({ linkedRuns: 1, latestRun: { id: b2.id, status: 'passed' } });
    expect(res.body.defect).toEqual({ id: d.id, key: d.key, status: 'open' });
  });

  it('is empty for a defect with no runs and 404 for an unknown one', async () => {
    const d = await createDefect(http);
    expect((await http.get(`/api/defects/${d.key}/impact`)).body.testCases).toEqual([]);
    expect((await http.get('/api/defects/DEF-999999999/impact')).status).toBe(404);
  });
});

describe('GET /api/milestones/:name/readiness', () => {
  it('is blocked by critical defects that are not resolved or closed', async () => {
    const milestone = unique('R');
    const critical = await createDefect(http, { milestone, severity: 'critical' });
    const fixed = await createDefect(http, { milestone, severity: 'critical' });
    await patchDefect(http, fixed.key, { status: 'resolved' });
    await createDefect(http, { milestone, severity: 'high' });
    await createDefect(http, { milestone: unique('other'), severity: 'critical' });

    const res = await http.get(`/api/milestones/${encodeURIComponent(milestone)}/readiness`);
    expect(res.status).toBe(200);
    expect(res.body.ready).toBe(false);
    expect(res.body.blocking.map((d: { key: string }) => d.key)).toEqual([critical.key]);
    expect(res.body.counts).toEqual({ open: 2, resolved: 1 });

    await patchDefect(http, critical.key, { status: 'closed' });
    const after = await http.get(`/api/milestones/${encodeURIComponent(milestone)}/readiness`);
    expect(after.body).toMatchObject({ ready: true, blocking: [] });
  });

  it('is ready when the milestone has defects but none critical', async () => {
    const milestone = unique('R');
    await createDefect(http, { milestone, severity: 'low' });
    const res = await http.get(`/api/milestones/${encodeURIComponent(milestone)}/readiness`);
    expect(res.body).toMatchObject({ ready: true, blocking: [], counts: { open: 1 } });
  });
});
