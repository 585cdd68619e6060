// Failure triage through the API (issue 16 part 1): signatures on runs, automatic links by signature and
// by matcher (actor triage in the history), a fixed defect reopened by a matching failure, matchers and
// their preview, GET /api/failures, and RE2's linear time against a catastrophic pattern. Each test uses
// a project of its own: links by signature stay within a project, so other files' runs never join in.
import { describe, expect, it } from 'vitest';
import { testApi, unique } from '../helpers/context.ts';
import { patchDefect, recordRun } from '../helpers/fixtures.ts';

const { http } = testApi();

const TIMEOUT = (ms: number, line: number) => `TimeoutError: page.click: Timeout ${ms}ms exceeded.\n    at CheckoutPage.pay (/home/runner/work/shop/tests/pages/checkout.ts:${line}:16)`;

async function raise(runId: string) {
  const res = await http.post(`/api/case-runs/${runId}/defect`).set('X-Actor', 'user:qa');
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('signatures on runs', () => {
  it('a failed run carries its signature and text; other runs and silent failures none', async () => {
    const project = unique('p');
    const failed = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: TIMEOUT(30000, 12) });
    expect(failed.signature).toMatch(/^[0-9a-f]{16}$/);
    expect(failed.signatureText).toBe('TimeoutError: page.click: Timeout <dur> exceeded.\nat CheckoutPage.pay (checkout.ts:<n>:<n>)');
    expect(failed.triage).toBeNull();
    const passed = await recordRun(http, { project, testCase: unique('tc'), status: 'passed', message: TIMEOUT(30000, 12) });
    expect(passed).toMatchObject({ signature: null, signatureText: null, triage: null });
    const silent = await recordRun(http, { project, testCase: unique('tc'), status: 'failed' });
    expect(silent).toMatchObject({ signature: null, triage: null });
  });
});

describe('linking by signature', () => {
  it('links a second failure of another test case to the defect of the first, actor triage', async () => {
    const project = unique('p');
    const first = await recordRun(http, { project, testCase: unique('cart'), status: 'failed', message: TIMEOUT(30000, 12) });
    const defect = await raise(first.id);
    const second = await recordRun(http, { project, testCase: unique('checkout'), status: 'failed', message: TIMEOUT(5000, 40) });
    expect(second.signature).toBe(first.signature);
    expect(second.triage).toEqual({ defect: defect.key, by: 'signature' });
    const after = (await http.get(`/api/defects/${defect.key}`)).body;
    expect(after.caseRuns.map((r: { id: string }) => r.id)).toEqual([first.id, second.id]);
    expect(after.status).toBe('open');
    expect(after.history.at(-1)).toMatchObject({ from: 'open', to: 'open', actor: 'triage', causeCaseRunId: second.id });
    expect(after.history.at(-1).note).toContain(`by signature ${first.signature}`);
  });

  it('does not link across projects, nor a different error', async () => {
    const project = unique('p');
    const first = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: 'Error: card declined\n    at pay (/a/pay.ts:1:1)' });
    await raise(first.id);
    const elsewhere = await recordRun(http, { project: unique('p'), testCase: unique('tc'), status: 'failed', message: 'Error: card declined\n    at pay (/a/pay.ts:1:1)' });
    expect(elsewhere.triage).toBeNull();
    const other = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: 'Error: card expired\n    at pay (/a/pay.ts:1:1)' });
    expect(other.triage).toBeNull();
  });

  it('a match with a resolved defect reopens it through the verification loop', async () => {
    const project = unique('p');
    const first = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: 'Error: ECONNRESET 10.0.0.7:5432' });
    const defect = await raise(first.id);
    await patchDefect(http, defect.key, { status: 'resolved' });
    const again = await recordRun(http, { project, testCase: unique('other'), status: 'failed', message: 'Error: ECONNRESET 10.0.0.9:5432' });
    expect(again.triage).toEqual({ defect: defect.key, by: 'signature' });
    expect(again.affectedDefects).toEqual([{ id: defect.id, key: defect.key, status: 'reopened' }]);
    const after = (await http.get(`/api/defects/${defect.key}`)).body;
    expect(after.history.slice(-2).map((h: { actor: string; to: string }) => [h.actor, h.to])).toEqual([
      ['triage', 'resolved'],
      ['verification', 'reopened'],
    ]);
  });

  it('prefers a defect still being worked on over a fixed one', async () => {
    const project = unique('p');
    const message = 'AssertionError: expected 200 got 500';
    const a = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message });
    const closed = await raise(a.id);
    await patchDefect(http, closed.key, { status: 'closed' });
    // A late report of an old failure joins the closed defect without reopening it (newer runs passed)…
    const tc = unique('tc');
    await recordRun(http, { project, testCase: tc, status: 'passed' });
    const late = await recordRun(http, { project, testCase: tc, status: 'failed', message, finishedAt: '2020-01-01T00:00:00Z' });
    expect(late).toMatchObject({ triage: { defect: closed.key, by: 'signature' }, affectedDefects: [] });
    // …and a person raises a new defect for it: the signature now has an active defect beside the closed one.
    const active = (await http.post(`/api/defects`).send({ title: 'the real one', project, caseRunIds: [late.id] })).body;
    const d = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message });
    expect(d.triage).toEqual({ defect: active.key, by: 'signature' });
  });
});

describe('matchers', () => {
  it('a matcher links a failure and its preview lists it', async () => {
    const project = unique('p');
    const run = await recordRun(http, { project, testCase: unique('login'), status: 'failed', message: 'first failure' });
    const defect = await raise(run.id);
    const tc = unique('payments › refund');
    const create = await http.post(`/api/defects/${defect.key}/matchers`).set('X-Actor', 'user:ana').send({ message: '(?i)gateway (timeout|unavailable)', testCase: '^payments' });
    expect(create.status, JSON.stringify(create.body)).toBe(201);
    expect(create.body).toMatchObject({ defect: defect.key, message: '(?i)gateway (timeout|unavailable)', testCase: '^payments', actor: 'user:ana' });

    const caught = await recordRun(http, { project, testCase: tc, status: 'failed', message: `Gateway Timeout after ${unique('x')}` });
    expect(caught.triage).toEqual({ defect: defect.key, by: 'matcher' });
    const history = (await http.get(`/api/defects/${defect.key}`)).body.history;
    expect(history.at(-1)).toMatchObject({ actor: 'triage', causeCaseRunId: caught.id });
    expect(history.at(-1).note).toContain(`by matcher ${create.body.id}`);
    const missed = await recordRun(http, { project, testCase: unique('search'), status: 'failed', message: 'gateway timeout' });
    expect(missed.triage).toBeNull();

    const preview = await http.post('/api/matchers/preview').send({ message: '(?i)gateway timeout', testCase: `^${tc.replace(/[^\w ]/g, '.')}$` });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.data.map((r: { id: string }) => r.id)).toEqual([caught.id]);
    expect(preview.body.data[0]).toMatchObject({ testCase: tc, defects: [defect.key] });

    const list = await http.get(`/api/defects/${defect.key}/matchers`);
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([create.body.id]);
    expect((await http.delete(`/api/defects/${defect.key}/matchers/${create.body.id}`)).status).toBe(204);
    expect((await http.delete(`/api/defects/${defect.key}/matchers/${create.body.id}`)).status).toBe(404);
    expect((await http.get(`/api/defects/${defect.key}/matchers`)).body.data).toEqual([]);
  });

  it.each([
    [{ message: '(?=lookahead)' }, 'message'],
    [{ testCase: '(unclosed' }, 'testCase'],
    [{ message: '' }, 'message'],
    [{}, 'message'],
    [{ message: 'x', extra: 1 }, 'extra'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const run = await recordRun(http, { project: unique('p'), testCase: unique('tc'), status: 'failed', message: 'x' });
    const defect = await raise(run.id);
    for (const res of [await http.post(`/api/defects/${defect.key}/matchers`).send(body), await http.post('/api/matchers/preview').send(body)]) {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
  });

  it('404s for an unknown defect, 400 for a malformed matcher id', async () => {
    expect((await http.post('/api/defects/DEF-999999/matchers').send({ message: 'x' })).status).toBe(404);
    expect((await http.get('/api/defects/DEF-999999/matchers')).status).toBe(404);
    expect((await http.delete('/api/defects/DEF-1/matchers/nope')).status).toBe(400);
  });

  it('a catastrophic pattern answers within 100 ms (RE2: linear time)', async () => {
    const project = unique('p');
    const evil = `${'a'.repeat(30)}!`;
    const run = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: evil });
    const defect = await raise(run.id);
    for (let i = 0; i < 20; i++) await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: `${evil} ${unique('q').replace(/[^a-z]/g, 'z')}${'x'.repeat(i)}` });
    // Warm the route, then time it: with a backtracking engine (a+)+$ on 30 a's and a ! takes minutes.
    await http.post('/api/matchers/preview').send({ message: 'warm' });
    let t = performance.now();
    const preview = await http.post('/api/matchers/preview').send({ message: '(a+)+$' });
    expect(preview.status).toBe(200);
    expect(performance.now() - t).toBeLessThan(100);
    const made = await http.post(`/api/defects/${defect.key}/matchers`).send({ message: '(a+)+$' });
    expect(made.status).toBe(201);
    t = performance.now();
    const next = await recordRun(http, { project, testCase: unique('tc'), status: 'failed', message: `${'a'.repeat(30)}!?` });
    expect(performance.now() - t).toBeLessThan(100);
    expect(next.triage).toBeNull();
  });
});

describe('GET /api/failures', () => {
  it('groups a launch\'s failures by signature with test cases, first and last seen, and the defect', async () => {
    const project = unique('p');
    const launch = unique('nightly');
    const tcs = [unique('a'), unique('b'), unique('c')];
    const times = ['2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', '2026-12-01T03:00:00Z'];
    const runs = [];
    for (const [i, tc] of tcs.entries()) runs.push(await recordRun(http, { launch, project, testCase: tc, status: 'failed', message: `Error: db down at 10.0.0.${i}:5432`, finishedAt: times[i] }));
    const lone = await recordRun(http, { launch, project, testCase: unique('d'), status: 'failed', message: 'TypeError: x is undefined', finishedAt: times[1] });
    await recordRun(http, { launch, project, testCase: unique('e'), status: 'passed', finishedAt: times[1] });

    const res = await http.get('/api/failures').query({ launch, project });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toHaveLength(2);
    expect(res.body.data[0]).toMatchObject({
      signature: runs[0].signature,
      text: 'Error: db down at <ip>:<port>',
      count: 3,
      testCaseCount: 3,
      firstSeen: '2026-12-01T01:00:00.000Z',
      lastSeen: '2026-12-01T03:00:00.000Z',
      defect: null,
    });
    expect([...res.body.data[0].testCases].sort()).toEqual([...tcs].sort());
    expect(res.body.data[1]).toMatchObject({ signature: lone.signature, count: 1 });

    const defect = await raise(lone.id);
    const after = (await http.get('/api/failures').query({ launch, project })).body.data;
    expect(after[1].defect).toEqual({ key: defect.key, status: 'open' });
    const untriaged = (await http.get('/api/failures').query({ launch, project, untriaged: 'true' })).body.data;
    expect(untriaged.map((g: { signature: string }) => g.signature)).toEqual([runs[0].signature]);
    const since = (await http.get('/api/failures').query({ launch, project, since: '2026-12-01T02:30:00Z' })).body.data;
    expect(since).toEqual([expect.objectContaining({ signature: runs[0].signature, count: 1 })]);
  });

  it.each([
    [{ untriaged: 'yes' }, 'untriaged'],
    [{ since: 'yesterday' }, 'since'],
    [{ project: 'has space' }, 'project'],
    [{ limit: '0' }, 'limit'],
    [{ colour: 'red' }, 'colour'],
  ])('refuses %j with a 400 naming %s', async (query, field) => {
    const res = await http.get('/api/failures').query(query);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });
});
