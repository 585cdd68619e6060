// Automatic defects end to end (issue 16 part 2), the whole service against the fake trackers: 40 failures
// of one signature in a launch make one defect and one ticket per routed connection; 2 of the last 3 runs
// raise a defect and a one-off flake does not; a 300-failure launch makes one incident and no defect, and
// releasing it raises what it held. Projects are this file's own (unique names), so no other file's runs
// count in their launches.
import { startHookReceiver, type ReceivedHook } from '../../fakes/hook-receiver.ts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWithTrackers, type Tracked } from '../helpers/tracked-service.ts';
import { until } from '../helpers/service.ts';
import { unique } from '../helpers/context.ts';
import { recordRun } from '../helpers/fixtures.ts';

const P40 = unique('p40');
const P23 = unique('p23');
const STORM = unique('storm');
// A launch is judged once quiet this long: long enough that a loaded machine's pauses between runs are not taken for its end.
const SETTLE = 1000;

let svc: Tracked['svc'];
let tracked: Tracked;
const ADMIN = 'admin-token-for-the-triage-tests';
/** The triage.incident deliveries of the hook this file makes. */
let receiver: Awaited<ReturnType<typeof startHookReceiver>>;
let received: ReceivedHook[] = [];
let hookSecret = '';

beforeAll(async () => {
  receiver = await startHookReceiver('/triage');
  received = receiver.received;
  tracked = await startWithTrackers({
    debounceMs: 50,
    env: { ADMIN_TOKEN: ADMIN, HOOKS_ALLOW_PRIVATE: 'true' },
    trackers: {
      syncConfig: {
        triage: {
          projects: {
            [P40]: { afterFailures: 1, ofRuns: 1, settleMs: SETTLE },
            [P23]: { afterFailures: 2, ofRuns: 3, settleMs: SETTLE, severity: [{ tags: ['smoke'], severity: 'high' }] },
            [STORM]: { afterFailures: 1, ofRuns: 1, settleMs: SETTLE, stormThreshold: 20 },
          },
        },
        routes: [{ when: { project: [P40] }, to: ['github', 'jira'] }, { to: ['github'] }],
      },
    },
  });
  svc = tracked.svc;
  const hook = await svc.http
    .post('/admin/hooks')
    .set('authorization', `Bearer ${ADMIN}`)
    .send({ url: receiver.url, events: ['triage.incident'] });
  expect(hook.status, JSON.stringify(hook.body)).toBe(201);
  hookSecret = hook.body.secret;
});
afterAll(async () => {
  await tracked?.stop();
  await receiver.close();
});

type Defect = { id: string; key: string; title: string; severity: string; caseRunCount: number; history: { actor: string; note: string | null }[] };
const defectsOf = async (project: string): Promise<Defect[]> => {
  const list = (await svc.http.get('/api/defects').query({ project, limit: 100 })).body.data as { key: string }[];
  return Promise.all(list.map(async (d) => (await svc.http.get(`/api/defects/${d.key}`)).body));
};
const settle = () => new Promise((r) => setTimeout(r, SETTLE * 2));

/** Posts the runs, `width` at a time (a reporter sends them in parallel). */
async function post(runs: Record<string, unknown>[], width = 8) {
  const out: { triage: unknown }[] = [];
  for (let i = 0; i < runs.length; i += width) out.push(...(await Promise.all(runs.slice(i, i + width).map((r) => recordRun(svc.http, r)))));
  return out;
}

describe('automatic defects', () => {
  it('40 failures of one signature in a launch make one defect, and one ticket per routed connection', async () => {
    const launch = unique('nightly');
    const failures = Array.from({ length: 40 }, (_, i) => ({
      launch,
      project: P40,
      testCase: `checkout › case ${i}`,
      status: 'failed',
      message: `Error: connect ECONNREFUSED 10.0.0.${i}:5432\n    at Pool.connect (/srv/app/src/db/pool.ts:${40 + i}:11)`,
    }));
    const passes = Array.from({ length: 60 }, (_, i) => ({ launch, project: P40, testCase: `cart › case ${i}`, status: 'passed' }));
    const answers = await post([...passes.slice(0, 30), ...failures, ...passes.slice(30)]);
    expect(answers.filter((a) => a.triage !== null).length).toBeGreaterThanOrEqual(40);

    const [defect] = await until('the defect', async () => {
      const ds = await defectsOf(P40);
      return ds.length === 1 && ds[0]!.caseRunCount === 40 && ds;
    });
    expect(defect).toMatchObject({ title: 'Error: connect ECONNREFUSED <ip>:<port>', severity: 'medium' });
    expect(defect!.history[0]).toMatchObject({ actor: 'triage' });
    expect(defect!.history[0]!.note).toContain('raised from signature');
    await until('its tickets', () => {
      const tickets = tracked.t.ticketsFor(defect!.id);
      return tickets.github.length === 1 && tickets.jira.length === 1;
    });
    // A later failure of the signature joins it (and no second defect comes).
    const later = await recordRun(svc.http, { launch: unique('nightly'), project: P40, testCase: 'search › case 1', status: 'failed', message: 'Error: connect ECONNREFUSED 10.9.9.9:5433\n    at Pool.connect (/ci/src/db/pool.ts:1:1)' });
    expect(later.triage).toEqual({ defect: defect!.key, by: 'signature' });
    await settle();
    expect(await defectsOf(P40)).toHaveLength(1);
    const tickets = tracked.t.ticketsFor(defect!.id);
    expect([tickets.github.length, tickets.jira.length, tickets.asana.length]).toEqual([1, 1, 0]);
  });

  it('raises a defect once a signature failed 2 of the last 3 runs; a one-off flake raises nothing', async () => {
    const tc = `${unique('login')} › signs in @smoke`;
    const flaky = unique('profile › edits');
    const message = (n: number) => `AssertionError: expected 200 but got ${n}\n    at Object.<anonymous> (/w/tests/login.test.ts:${n}:3)`;
    const first = await recordRun(svc.http, { launch: unique('n1'), project: P23, testCase: tc, status: 'failed', message: message(500) });
    expect(first.triage).toBeNull();
    await recordRun(svc.http, { launch: unique('n1'), project: P23, testCase: flaky, status: 'failed', message: 'Error: flake' });
    await settle();
    expect(await defectsOf(P23)).toEqual([]);

    await recordRun(svc.http, { launch: unique('n2'), project: P23, testCase: tc, status: 'passed' });
    await recordRun(svc.http, { launch: unique('n2'), project: P23, testCase: flaky, status: 'passed' });
    const third = await recordRun(svc.http, { launch: unique('n3'), project: P23, testCase: tc, status: 'failed', message: message(503) });
    expect(third.triage).toEqual({ defect: null, by: 'pending' });
    await recordRun(svc.http, { launch: unique('n3'), project: P23, testCase: flaky, status: 'passed' });

    const [defect] = await until('the 2-of-3 defect', async () => {
      const ds = await defectsOf(P23);
      return ds.length === 1 && ds;
    });
    expect(defect).toMatchObject({ title: 'AssertionError: expected <n> but got <n>', severity: 'high', caseRunCount: 2 });
    expect(defect!.history[0]!.note).toContain('2 or more of the last 3 runs');
    await settle();
    expect(await defectsOf(P23)).toHaveLength(1);
  });

  it('a 300-failure launch makes one incident and no defect; releasing it raises what it held', async () => {
    const launch = unique('outage');
    const service = (k: number) => `svc${String.fromCharCode(97 + (k % 26))}${String.fromCharCode(97 + Math.floor(k / 26))}`;
    // 30 different errors, 10 test cases each: 30 new signatures, over the threshold of 20; every run fails.
    const runs = Array.from({ length: 300 }, (_, i) => ({
      launch,
      project: STORM,
      testCase: `suite ${i % 30} › case ${i}`,
      status: 'failed',
      message: `Error: service ${service(i % 30)} unavailable (${i})\n    at call (/srv/client.ts:${i}:1)`,
    }));
    await post(runs);
    const [incident] = await until('the incident', async () => {
      const list = (await svc.http.get('/api/incidents').query({ project: STORM })).body.data;
      return list.length === 1 && list[0].counts.held === 30 && list;
    });
    expect(incident).toMatchObject({ project: STORM, launch, status: 'open', reason: 'signatures', counts: { runs: 300, failed: 300, newSignatures: 30, held: 30 }, defects: [] });
    expect(incident.topSignatures).toHaveLength(5);
    expect(incident.topSignatures[0]).toMatchObject({ count: 10 });
    // The hook hears of it, signed the Standard Webhooks way, with the incident as the API shows it.
    const [delivery] = await until('the triage.incident delivery', () => received.length > 0 && received);
    const payload = new Webhook(hookSecret).verify(delivery!.body, delivery!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'triage.incident', data: { id: incident.id, project: STORM, launch, status: 'open', reason: 'signatures' } });
    // The dashboard lists it among the open incidents (admin only).
    const board = await svc.http.get('/admin/incidents').set('authorization', `Bearer ${ADMIN}`);
    expect(board.body.data.map((i: { id: string }) => i.id)).toContain(incident.id);
    expect((await svc.http.get('/admin/incidents')).status).toBe(401);
    await settle();
    expect(await defectsOf(STORM)).toEqual([]);
    expect((await svc.http.get('/api/incidents').query({ project: STORM })).body.data).toHaveLength(1);
    expect((await svc.http.get('/api/incidents').query({ project: STORM, status: 'released' })).body.data).toHaveLength(0);

    // A run of the launch that comes in now is held by the incident too.
    const straggler = await recordRun(svc.http, { launch, project: STORM, testCase: 'suite 0 › late', status: 'failed', message: 'Error: another thing broke' });
    await until('held', () => svc.http.get(`/api/incidents/${incident.id}`).then((r) => r.body.counts.held === 31));
    expect(straggler.triage).toEqual({ defect: null, by: 'pending' });

    const release = await svc.http.post(`/api/incidents/${incident.id}/release`).set('X-Actor', 'user:ana');
    expect(release.status, JSON.stringify(release.body)).toBe(200);
    expect(release.body).toMatchObject({ status: 'released', releasedBy: 'user:ana', counts: { held: 0 } });
    expect(release.body.raised).toHaveLength(31);
    const raised = await defectsOf(STORM);
    expect(raised).toHaveLength(31);
    expect(raised.reduce((n, d) => n + d.caseRunCount, 0)).toBe(301);
    expect(raised[0]!.history[0]!.note).toContain(`released from incident ${incident.id} by user:ana`);
    // Releasing again changes nothing.
    const again = await svc.http.post(`/api/incidents/${incident.id}/release`);
    expect(again.body).toMatchObject({ status: 'released', releasedBy: 'user:ana', raised: [] });
    expect(await defectsOf(STORM)).toHaveLength(31);
    const after = await svc.http.get('/admin/incidents').set('authorization', `Bearer ${ADMIN}`);
    expect(after.body.data.map((i: { id: string }) => i.id)).not.toContain(incident.id);
  });

  it('answers 404 for an unknown incident and 400 for a bad id or filter', async () => {
    expect((await svc.http.post('/api/incidents/00000000-0000-4000-8000-000000000000/release')).status).toBe(404);
    expect((await svc.http.get('/api/incidents/nope')).status).toBe(400);
    const bad = await svc.http.get('/api/incidents').query({ status: 'closed' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('status');
  });
});
