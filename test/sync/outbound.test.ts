// Outbound sync end to end: HTTP in, tickets out, against all three fake trackers through the real
// SDKs, with the relay and workers running in this process.
import { distinctMessage } from '../helpers/context.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';
import { descriptionOf } from '../../connectors/body.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ debounceMs: 300 }));
});
afterAll(() => stop?.());
afterEach(() => t.clearFaults());

const links = (ref: string) => linksOf(svc.http, ref);
const settled = (ref: string, since: number, state = 'synced') => settledLinks(svc.http, ref, since, state);
type Link = Awaited<ReturnType<typeof links>>[number];

const ghIssue = (l: Link[]) => t.github.issue(Number(remoteIdOf(l, 'github'))) as unknown as GhIssue;
const jiraFields = (l: Link[]) => t.jira.issues().find((i) => i.id === remoteIdOf(l, 'jira'))!.fields as JiraFields;
const asanaTask = (l: Link[]) => t.asana.task(remoteIdOf(l, 'asana')) as unknown as AsanaTask;

type GhIssue = { number: number; title: string; body: string; state: string; state_reason: string | null; labels: { name: string }[]; assignees: { login: string }[] };
type JiraFields = { summary: string; priority: { name: string }; status: { name: string; statusCategory: { key: string } }; assignee: { accountId: string } | null; labels: string[]; description: unknown };
type AsanaTask = { name: string; notes: string; completed: boolean; assignee: { gid: string } | null; custom_fields: { gid: string; enum_value: { gid: string } | null }[] };

function asanaSeverity(task: AsanaTask): string | undefined {
  const field = t.asana.severityField();
  const option = task.custom_fields.find((f) => f.gid === field.gid)?.enum_value?.gid;
  return Object.entries(field.options).find(([, gid]) => gid === option)?.[0];
}

const oneEach = (defectId: string) => {
  const tickets = t.ticketsFor(defectId);
  return [tickets.github.length, tickets.jira.length, tickets.asana.length];
};

describe('outbound sync to GitHub, Jira and Asana', () => {
  it('creates exactly one ticket per tracker for a new defect, with mapped values, and stores the links', async () => {
    const before = t.creates();
    const run = await recordRun(svc.http, { testCase: 'checkout › pays by card', status: 'failed', message: distinctMessage('Timeout 5000ms exceeded') });
    const d = await createDefect(svc.http, {
      title: 'Card payment times out',
      description: 'Pay with a Visa card; the spinner never stops.',
      severity: 'high',
      assignee: ANA.email,
      caseRunIds: [run.id],
    });
    const l = await settled(d.key, 0);

    expect(oneEach(d.id)).toEqual([1, 1, 1]);
    expect(t.creates()).toEqual({ github: before.github + 1, jira: before.jira + 1, asana: before.asana + 1 });

    const gh = ghIssue(l);
    expect(gh).toMatchObject({ title: 'Card payment times out', state: 'open' });
    expect(gh.labels.map((x) => x.name)).toEqual(['severity: high']);
    expect(gh.assignees.map((a) => a.login)).toEqual([ANA.github]);
    expect(descriptionOf(gh.body)).toBe('Pay with a Visa card; the spinner never stops.');
    expect(gh.body).toContain('checkout › pays by card');
    expect(gh.body).toContain('Timeout 5000ms exceeded');
    expect(gh.body).toContain(`/api/defects/${d.key}`);
    expect(l.find((x) => x.tracker === 'github')!.key).toBe(`acme/app#${gh.number}`);

    const jf = jiraFields(l);
    expect(jf).toMatchObject({ summary: 'Card payment times out', priority: { name: 'High' }, assignee: { accountId: ANA.jira } });
    expect(jf.status.statusCategory.key).toBe('new');
    expect(JSON.stringify(jf.description)).toContain('Timeout 5000ms exceeded');
    expect(l.find((x) => x.tracker === 'jira')!.key).toMatch(/^QA-\d+$/);

    const task = asanaTask(l);
    expect(task).toMatchObject({ name: 'Card payment times out', completed: false, assignee: { gid: t.asanaGid(ANA.email) } });
    expect(asanaSeverity(task)).toBe('high');
    expect(descriptionOf(task.notes)).toBe('Pay with a Visa card; the spinner never stops.');

    for (const link of l) {
      expect(link.remoteId).toBeTruthy();
      expect(link.url).toMatch(/^http/);
      expect(link.lastError).toBeNull();
    }
  });

  it('updates each ticket with the mapped values when title, description, severity, assignee and status change', async () => {
    const d = await createDefect(svc.http, { title: 'Search is slow', severity: 'low', assignee: ANA.email });
    await settled(d.key, 0);

    let since = Date.now();
    await patchDefect(svc.http, d.key, { title: 'Search takes 9 s', description: 'Type "shoe" and wait.', severity: 'critical', assignee: BOB.email, status: 'in_progress' });
    let l = await settled(d.key, since);
    const gh = ghIssue(l);
    expect(gh).toMatchObject({ title: 'Search takes 9 s', state: 'open' });
    expect(gh.labels.map((x) => x.name)).toEqual(['severity: critical']);
    expect(gh.assignees.map((a) => a.login)).toEqual([BOB.github]);
    expect(descriptionOf(gh.body)).toBe('Type "shoe" and wait.');
    const jf = jiraFields(l);
    expect(jf).toMatchObject({ summary: 'Search takes 9 s', priority: { name: 'Highest' }, assignee: { accountId: BOB.jira } });
    expect(jf.status).toMatchObject({ name: 'In Progress', statusCategory: { key: 'indeterminate' } });
    expect(JSON.stringify(jf.description)).toContain('Type \\"shoe\\" and wait.');
    const task = asanaTask(l);
    expect(task).toMatchObject({ name: 'Search takes 9 s', completed: false, assignee: { gid: t.asanaGid(BOB.email) } });
    expect(asanaSeverity(task)).toBe('critical');
    expect(descriptionOf(task.notes)).toBe('Type "shoe" and wait.');

    since = Date.now();
    await patchDefect(svc.http, d.key, { status: 'resolved', assignee: null });
    l = await settled(d.key, since);
    expect(ghIssue(l)).toMatchObject({ state: 'closed', state_reason: 'completed', assignees: [] });
    expect(jiraFields(l)).toMatchObject({ status: { name: 'Done' }, assignee: null });
    expect(asanaTask(l)).toMatchObject({ completed: true, assignee: null });

    since = Date.now();
    await patchDefect(svc.http, d.key, { status: 'reopened' });
    l = await settled(d.key, since);
    expect(ghIssue(l)).toMatchObject({ state: 'open' });
    expect(jiraFields(l).status.statusCategory.key).toBe('new');
    expect(asanaTask(l)).toMatchObject({ completed: false });
  });

  it('sends nothing when a change cannot show in the tracker', async () => {
    // The project is Defect Sync's own (it routes; no ticket shows it).
    const d = await createDefect(svc.http, { title: 'Project only' });
    await settled(d.key, 0);
    const writes = t.writes();
    const since = Date.now();
    await patchDefect(svc.http, d.key, { project: 'shop-web' });
    await settled(d.key, since);
    expect(t.writes()).toEqual(writes);
  });

  it('coalesces 100 rapid edits into at most 5 updates per tracker, ending in the final values', async () => {
    const d = await createDefect(svc.http, { title: 'Edit storm 0' });
    await settled(d.key, 0);
    const before = t.writes();
    for (let i = 1; i <= 100; i++) await patchDefect(svc.http, d.key, { title: `Edit storm ${i}` });
    await until('the final title everywhere', async () => {
      const l = await links(d.key);
      return (
        ghIssue(l).title === 'Edit storm 100' &&
        jiraFields(l).summary === 'Edit storm 100' &&
        asanaTask(l).name === 'Edit storm 100' &&
        l.every((x) => x.syncState === 'synced')
      );
    });
    await new Promise((r) => setTimeout(r, 800)); // a straggler job would run within this window
    const after = t.writes();
    for (const tracker of ['github', 'jira', 'asana'] as const) {
      const calls = after[tracker] - before[tracker];
      expect(calls, tracker).toBeGreaterThanOrEqual(1);
      expect(calls, tracker).toBeLessThanOrEqual(5);
    }
  });

  it('waits as long as a 429 Retry-After says, without failing, then syncs', async () => {
    for (const fake of [t.github, t.jira, t.asana]) fake.tracker.fail({ route: 'ticket.create', status: 429, headers: { 'retry-after': '2' } });
    const started = Date.now();
    const d = await createDefect(svc.http, { title: 'Rate limited create' });
    const seen = new Set<string>();
    await until('the rate-limited attempts to be recorded', async () => {
      for (const l of await links(d.key)) if (l.syncState === 'retrying') seen.add(l.tracker);
      return seen.size === 3;
    });
    const l = await settled(d.key, 0);
    for (const link of l) expect(Date.parse(link.lastSyncedAt!) - started, link.tracker).toBeGreaterThanOrEqual(2000);
    expect(oneEach(d.id)).toEqual([1, 1, 1]);
  });

  it('fails a 401 once, without retrying, and shows the tracker message on the link', async () => {
    t.github.tracker.fail({ route: 'ticket.create', status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } });
    t.jira.tracker.fail({ route: 'ticket.create', status: 401, body: { message: 'Client must be authenticated to access this resource.', 'status-code': 401 } });
    t.asana.tracker.fail({ route: 'ticket.create', status: 401, body: { errors: [{ message: 'Not Authorized' }] } });
    const before = t.creates();
    const d = await createDefect(svc.http, { title: 'Credentials revoked' });
    const l = await settled(d.key, 0, 'failed');
    await new Promise((r) => setTimeout(r, 2500)); // a retry (backoff starts at 1 s) would show up here
    expect(t.creates()).toEqual({ github: before.github + 1, jira: before.jira + 1, asana: before.asana + 1 });
    const byTracker = Object.fromEntries(l.map((x) => [x.tracker, x]));
    expect(byTracker.github!.lastError).toContain('Bad credentials');
    expect(byTracker.jira!.lastError).toMatch(/401/);
    expect(byTracker.asana!.lastError).toContain('Not Authorized');
    for (const link of l) expect(link.remoteId).toBeNull();
    const detail = await svc.http.get(`/api/defects/${d.key}`);
    expect(detail.body.links.map((x: Link) => x.syncState)).toEqual(['failed', 'failed', 'failed']);
    expect(oneEach(d.id)).toEqual([0, 0, 0]);
  });

  it('retries a 500 with backoff and then syncs', async () => {
    for (const fake of [t.github, t.jira, t.asana]) fake.tracker.fail({ route: 'ticket.create', status: 500 });
    const d = await createDefect(svc.http, { title: 'Server hiccup' });
    await settled(d.key, 0);
    expect(oneEach(d.id)).toEqual([1, 1, 1]);
  });

  it('records a deleted ticket as missing and stops, and follows a Jira key change', async () => {
    const d = await createDefect(svc.http, { title: 'Will be deleted in GitHub, moved in Jira' });
    let l = await settled(d.key, 0);
    t.github.deleteIssue(Number(remoteIdOf(l, 'github')));
    const newKey = t.jira.moveIssue(remoteIdOf(l, 'jira'), 'OPS');
    const callsBefore = t.github.tracker.calls.length;
    await patchDefect(svc.http, d.key, { title: 'Edited after the ticket was deleted' });
    l = await until('github missing and jira rekeyed', async () => {
      const l = await links(d.key);
      const gh = l.find((x) => x.tracker === 'github')!;
      const jira = l.find((x) => x.tracker === 'jira')!;
      return gh.syncState === 'missing' && jira.key === newKey && jira.syncState === 'synced' && l;
    });
    expect(l.find((x) => x.tracker === 'github')!.lastError).toMatch(/410|deleted/i);
    expect(l.find((x) => x.tracker === 'jira')!.url).toContain(`/browse/${newKey}`);
    await patchDefect(svc.http, d.key, { title: 'Edited again' });
    await new Promise((r) => setTimeout(r, 1200));
    // Only the call that found it gone (the read before any write): no retries, and no new ticket behind anyone's back.
    expect(t.github.tracker.calls.slice(callsBefore).map((c) => `${c.route} ${c.status}`)).toEqual(['ticket.get 410']);
    expect(t.ticketsFor(d.id).github).toHaveLength(0);
  });
});
