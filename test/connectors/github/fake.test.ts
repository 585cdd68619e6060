// The GitHub connector against the local fake GitHub: round trips, updates, status moves, marker
// lookup, lookups, and failures as the engine will meet them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, TicketChange, TicketFields } from '../../../connectors/contract.ts';
import { createGithubFake, type GithubFake } from '../../../fakes/github/server.ts';
import { connector, DEFECT_ID, OTHER_DEFECT_ID, ticket, trackerError } from './helpers.ts';

let fake: GithubFake;
let gh: Connector;

beforeAll(async () => {
  fake = createGithubFake({ repository: 'acme/app', collaborators: ['ann-gh'] });
  await fake.tracker.start();
  gh = connector({ apiUrl: fake.tracker.baseUrl, token: fake.token });
});

afterAll(async () => {
  await fake.tracker.stop();
});

afterEach(() => {
  fake.tracker.clearFaults();
  fake.tracker.latencyMs = 0;
});

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);
const labelsOf = (n: number) => (fake.issue(n)['labels'] as { name: string }[]).map((l) => l.name);
const calls = () => fake.tracker.calls.length;

describe('create and read', () => {
  it.each<Partial<TicketFields>>([
    {},
    { title: '  Padded title  ', severity: 'critical', assignee: 'ann@example.com' },
    { status: 'resolved', severity: 'low', description: '' },
    { status: 'closed', assignee: 'cy@example.com' },
    { status: 'in_progress', description: '\n  Indented\r\nlines  \n' },
  ])('reads back what canonical() predicts for %j', async (fields) => {
    const t = ticket(fields);
    const ref = await gh.create(t);
    const remote = await gh.read(ref);
    expect(remote.fields).toEqual(gh.canonical(t.fields));
    expect(remote.markerDefectId).toBe(DEFECT_ID);
    expect(remote.key).toBe(`acme/app#${ref.remoteId}`);
    expect(remote.url).toBe(`${fake.tracker.baseUrl}/acme/app/issues/${ref.remoteId}`);
  });

  it('creates with one call, plus one PATCH only when the defect is already fixed', async () => {
    const before = fake.tracker.count('ticket.create') + fake.tracker.count('ticket.update');
    await gh.create(ticket());
    await gh.create(ticket({ status: 'closed' }));
    expect(fake.tracker.count('ticket.create') + fake.tracker.count('ticket.update') - before).toBe(3);
  });
});

describe('create reports the issue before any follow-up', () => {
  it('a failing close after the create still leaves the issue reported to onCreated', async () => {
    const created: string[] = [];
    fake.tracker.fail({ route: 'ticket.update', status: 500 });
    const err = await trackerError(gh.create(ticket({ status: 'resolved' }), async (ref) => void created.push(ref.remoteId)));
    expect(err.kind).toBe('transient');
    expect(created).toHaveLength(1);
    expect(fake.issue(Number(created[0]))).toMatchObject({ state: 'open' });
  });
});

describe('update', () => {
  it('writes each field alone and reads it back', async () => {
    const ref = await gh.create(ticket());
    const n = Number(ref.remoteId);
    const steps: [TicketChange, Partial<TicketFields>][] = [
      ['title', { title: 'Renamed' }],
      ['description', { description: 'New description' }],
      ['severity', { severity: 'critical' }],
      ['assignee', { assignee: 'ann@example.com' }],
      ['assignee', { assignee: null }],
      ['status', { status: 'resolved' }],
      ['status', { status: 'reopened' }],
    ];
    let fields = ticket().fields;
    for (const [change, patch] of steps) {
      const previous = gh.canonical(fields);
      fields = { ...fields, ...patch };
      const before = calls();
      await gh.update(ref, ticket(fields), changes(change), previous);
      // a severity change PATCHes the body (the person's text kept, from the read just before), adds one label and removes one
      expect(calls() - before).toBe(change === 'severity' ? 3 : 1);
      expect((await gh.read(ref)).fields).toEqual(gh.canonical(fields));
    }
    expect(fake.issue(n)).toMatchObject({ state: 'open', state_reason: 'reopened', title: 'Renamed', assignees: [] });
  });

  it('swaps the severity label and keeps the labels a person added', async () => {
    const ref = await gh.create(ticket({ severity: 'high' }));
    const n = Number(ref.remoteId);
    fake.editByHand(n, { labels: ['needs-repro', ...labelsOf(n), 'ui'] });
    await gh.update(ref, ticket({ severity: 'low' }), changes('severity'), ticket({ severity: 'high' }).fields);
    expect(labelsOf(n)).toEqual(['needs-repro', 'ui', 'severity: low']);
    expect((fake.issue(n)['body'] as string)).toContain('**Severity:** low');
  });

  it('context alone re-renders the body and touches nothing else', async () => {
    const ref = await gh.create(ticket());
    const t = ticket();
    t.context.failingRuns = [{ testCase: 'checkout.spec', launch: 'nightly-13', message: null, ranAt: '2026-11-21T03:00:00.000Z' }];
    await gh.update(ref, t, changes('context'));
    const issue = fake.issue(Number(ref.remoteId));
    expect(issue['body']).toContain('checkout.spec');
    expect(issue['body']).not.toContain('login.spec');
    expect(labelsOf(Number(ref.remoteId))).toEqual(['severity: high']);
  });

  it('severity or context changes keep what a person wrote in the body (description not synced outbound)', async () => {
    const ref = await gh.create(ticket({ description: '' }));
    const n = Number(ref.remoteId);
    const person = 'Written on GitHub\r\nwith CRLF  \r\n\r\n';
    const footer = (fake.issue(n)['body'] as string);
    fake.editByHand(n, { body: `${person}${footer}` });
    await gh.update(ref, ticket({ severity: 'low', description: 'not outbound' }), changes('severity'));
    const t = ticket({ severity: 'low', description: 'not outbound' });
    t.context.failingRuns = [];
    await gh.update(ref, t, changes('context'));
    const body = fake.issue(n)['body'] as string;
    expect(body.startsWith(person)).toBe(true);
    expect(body).toContain('**Severity:** low');
    expect(body).not.toContain('login.spec');
    expect(body).not.toContain('not outbound');
    expect((await gh.read(ref)).fields.description).toBe('Written on GitHub\nwith CRLF');
  });

  it('appends the footer to an issue linked by hand', async () => {
    const issue = fake.createByHand({ title: 'By hand', body: 'A person’s report' });
    const ref = await gh.lookup(String(issue['number']));
    await gh.update(ref, ticket(), changes('context'));
    const body = fake.issue(Number(ref.remoteId))['body'] as string;
    expect(body).toMatch(/^A person’s report\n\n---\n_Synced by Defect Sync_/);
    expect((await gh.read(ref)).markerDefectId).toBe(DEFECT_ID);
  });

  it('sends nothing for an empty change set', async () => {
    const ref = await gh.create(ticket());
    const before = calls();
    expect(await gh.update(ref, ticket({ title: 'ignored' }), changes())).toEqual(ref);
    expect(calls()).toBe(before);
  });

  it('with the previous snapshot unknown, leaves exactly one severity label and keeps the others', async () => {
    const ref = await gh.create(ticket({ severity: 'high' }));
    const n = Number(ref.remoteId);
    fake.editByHand(n, { labels: ['bug', ...labelsOf(n), 'severity: critical'] });
    await gh.update(ref, ticket({ severity: 'low' }), changes('severity'), null);
    expect(labelsOf(n)).toEqual(['bug', 'severity: low']);
  });

  it('keeps a co-assignee a person added when the assignee changes', async () => {
    fake.addCollaborator('bob-gh');
    fake.addCollaborator('carol');
    const ref = await gh.create(ticket({ assignee: 'ann@example.com' }));
    const n = Number(ref.remoteId);
    fake.editByHand(n, { assignees: ['ann-gh', 'carol'] });
    await gh.update(ref, ticket({ assignee: 'bob@example.com' }), changes('assignee'), ticket({ assignee: 'ann@example.com' }).fields);
    expect((fake.issue(n)['assignees'] as { login: string }[]).map((a) => a.login)).toEqual(['carol', 'bob-gh']);
    expect((await gh.read(ref)).fields.assignee).toBe('bob@example.com');
    fake.state.collaborators.delete('bob-gh');
  });

  it('refuses an assignee GitHub did not assign (not assignable in the repository), naming the login', async () => {
    const ref = await gh.create(ticket());
    // bob-gh is in the people mapping but not a collaborator of acme/app: GitHub ignores him silently
    const err = await trackerError(gh.update(ref, ticket({ assignee: 'bob@example.com' }), changes('assignee'), ticket().fields));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain('bob-gh');
  });

  it('a token without push access: dropped labels and assignees are rejected, never recorded as done', async () => {
    const ref = await gh.create(ticket());
    fake.setPushAccess(false);
    try {
      const severity = await trackerError(gh.update(ref, ticket({ severity: 'low' }), changes('severity'), ticket().fields));
      expect(severity).toMatchObject({ kind: 'rejected', message: expect.stringContaining('push') });
      const assignee = await trackerError(gh.update(ref, ticket({ assignee: 'ann@example.com' }), changes('assignee'), ticket().fields));
      expect(assignee).toMatchObject({ kind: 'rejected', message: expect.stringContaining('push') });
      const created: string[] = [];
      const create = await trackerError(gh.create(ticket(), async (r) => void created.push(r.remoteId)));
      expect(create.kind).toBe('rejected');
      expect(created).toHaveLength(1);
    } finally {
      fake.setPushAccess(true);
    }
  });
});

describe('GitHub’s body limit (65,536 characters)', () => {
  const limit = 65_536;
  const length = (text: string) => Array.from(text).length;

  it('cuts an over-long description on create and update so the issue is still written, with a visible note', async () => {
    const t = ticket({ description: 'x'.repeat(70_000) });
    const ref = await gh.create(t);
    const body = fake.issue(Number(ref.remoteId))['body'] as string;
    expect(length(body)).toBeLessThanOrEqual(limit);
    expect(body).toContain(`description cut to fit GitHub's limit; the full text is at ${t.context.defectUrl}`);
    expect((await gh.read(ref)).markerDefectId).toBe(DEFECT_ID);

    await gh.update(ref, ticket({ description: 'y'.repeat(80_000) }), changes('description'));
    expect(length(fake.issue(Number(ref.remoteId))['body'] as string)).toBeLessThanOrEqual(limit);
  });

  it('counts characters, not UTF-16 units: 40,000 emoji fit uncut', async () => {
    const description = '\u{1F41B}'.repeat(40_000);
    const ref = await gh.create(ticket({ description }));
    expect((await gh.read(ref)).fields.description).toBe(description);
  });
});

describe('conditional reads', () => {
  it('a second read of an unchanged issue is answered 304 (free of rate limit) and gives the same ticket; a change gives 200', async () => {
    const ref = await gh.create(ticket());
    const statuses = () => fake.tracker.calls.filter((c) => c.route === 'ticket.get' && c.path.endsWith(`/issues/${ref.remoteId}`)).map((c) => c.status);
    const first = await gh.read(ref);
    const second = await gh.read(ref);
    expect(second).toEqual(first);
    fake.editByHand(Number(ref.remoteId), { title: 'Changed by hand' });
    expect((await gh.read(ref)).fields.title).toBe('Changed by hand');
    expect(statuses()).toEqual([200, 304, 200]);
  });
});

describe('status moves and what a person does on GitHub', () => {
  it('closes as completed, reopens as reopened, and reads a person’s "not planned" close as closed', async () => {
    const ref = await gh.create(ticket());
    const n = Number(ref.remoteId);
    await gh.update(ref, ticket({ status: 'resolved' }), changes('status'));
    expect(fake.issue(n)).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect((await gh.read(ref)).fields.status).toBe('resolved');

    await gh.update(ref, ticket({ status: 'reopened' }), changes('status'));
    expect(fake.issue(n)).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null });
    expect((await gh.read(ref)).fields.status).toBe('open');

    fake.editByHand(n, { state: 'closed', state_reason: 'not_planned' });
    expect((await gh.read(ref)).fields.status).toBe('closed');
    fake.editByHand(n, { state: 'open' });
    fake.editByHand(n, { state: 'closed', state_reason: 'duplicate' });
    expect((await gh.read(ref)).fields.status).toBe('closed');
  });
});

describe('findByMarker', () => {
  it('finds the issue made for this defect and not another defect’s, skipping pull requests', async () => {
    const start = new Date();
    const other = await gh.create(ticket({}, OTHER_DEFECT_ID));
    fake.addPullRequest('PR quoting a marker', `<!-- defect-sync-${DEFECT_ID} -->`);
    const defectOnly = '9a9a9a9a-1111-4222-8333-944455550000';
    expect(await gh.findByMarker(defectOnly, start)).toBeNull();
    const mine = await gh.create(ticket({}, defectOnly));
    expect(await gh.findByMarker(defectOnly, start)).toEqual(mine);
    expect(await gh.findByMarker(OTHER_DEFECT_ID, start)).toEqual(other);
  });

  it('pages through more than 100 changed issues by the Link header', async () => {
    const start = new Date();
    const id = '7c7c7c7c-1111-4222-8333-944455550001';
    for (let i = 0; i < 105; i++) fake.createByHand({ title: `noise ${i}`, body: 'nothing to see' });
    const mine = await gh.create(ticket({}, id));
    const before = fake.tracker.count('ticket.find');
    expect(await gh.findByMarker(id, start)).toEqual(mine);
    expect(fake.tracker.count('ticket.find') - before).toBeGreaterThanOrEqual(2);
  });

  it('resolves a defect with two issues to the older one', async () => {
    const start = new Date();
    const id = '8d8d8d8d-1111-4222-8333-944455550003';
    const first = await gh.create(ticket({}, id));
    await gh.create(ticket({}, id));
    expect(await gh.findByMarker(id, start)).toEqual(first);
  });

  it('widens the window for clock skew, but not beyond a few minutes', async () => {
    const id = '6b6b6b6b-1111-4222-8333-944455550002';
    const ref = await gh.create(ticket({}, id));
    // Our clock two minutes ahead of GitHub's: the issue still counts.
    expect(await gh.findByMarker(id, new Date(Date.now() + 120_000))).toEqual(ref);
    expect(await gh.findByMarker(id, new Date(Date.now() + 600_000))).toBeNull();
  });

  it('does not scan old issues that were edited recently: one page for a fresh window', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const busy = createGithubFake({ repository: 'acme/busy', now: () => clock });
    await busy.tracker.start();
    try {
      const conn = connector({ apiUrl: busy.tracker.baseUrl, token: busy.token, repository: 'acme/busy' });
      for (let i = 0; i < 250; i++) busy.createByHand({ title: `old ${i}`, body: 'old' });
      clock = Date.parse('2026-11-24T10:00:00Z');
      for (let i = 1; i <= 250; i++) busy.editByHand(i, { title: `edited ${i}` });
      const start = new Date(clock);
      clock += 1000;
      const id = '7d7d7d7d-1111-4222-8333-944455550004';
      const mine = await conn.create(ticket({}, id));
      expect(await conn.findByMarker(id, start)).toEqual(mine);
      expect(busy.tracker.count('ticket.find')).toBe(1);
    } finally {
      await busy.tracker.stop();
    }
  });
});

describe('lookup', () => {
  it('accepts a number, #n, owner/repo#n and the issue’s own URL', async () => {
    const ref = await gh.create(ticket({ title: 'Lookup me' }));
    for (const input of [ref.remoteId, `#${ref.remoteId}`, ref.key, ref.url]) {
      const r = await gh.lookup(input);
      expect(r).toMatchObject({ ...ref, fields: { title: 'Lookup me' }, markerDefectId: DEFECT_ID });
    }
  });

  it('gone for a number with no issue, rejected for a pull request or another repository', async () => {
    expect(await trackerError(gh.lookup('#99999'))).toMatchObject({ kind: 'gone', status: 404 });
    const pr = fake.addPullRequest('a PR');
    expect(await trackerError(gh.lookup(String(pr['number'])))).toMatchObject({ kind: 'rejected' });
    expect(await trackerError(gh.lookup('acme/other#1'))).toMatchObject({ kind: 'rejected' });
  });
});

describe('deleted and transferred issues', () => {
  it('a deleted issue is gone (410)', async () => {
    const ref = await gh.create(ticket());
    fake.deleteIssue(Number(ref.remoteId));
    expect(await trackerError(gh.read(ref))).toMatchObject({ kind: 'gone', status: 410 });
    expect(await trackerError(gh.update(ref, ticket(), changes('title')))).toMatchObject({ kind: 'gone', status: 410 });
  });

  it('a transferred issue is moved (301), and the update does not land in the other repository', async () => {
    const ref = await gh.create(ticket());
    const moved = fake.transferIssue(Number(ref.remoteId), 'acme/elsewhere');
    expect(await trackerError(gh.read(ref))).toMatchObject({ kind: 'moved', status: 301 });
    expect(await trackerError(gh.update(ref, ticket({ title: 'Should not land' }), changes('title')))).toMatchObject({ kind: 'moved' });
    expect(fake.issue(Number(moved['number']), 'acme/elsewhere')['title']).toBe('Login fails on Safari');
  });
});

describe('failures', () => {
  it('an injected 500 is transient', async () => {
    fake.tracker.fail({ status: 500, route: 'ticket.get' });
    expect(await trackerError(gh.read({ remoteId: '1', key: 'acme/app#1', url: '' }))).toMatchObject({ kind: 'transient', status: 500 });
  });

  it('429 with Retry-After, an exhausted primary limit and a secondary limit are rate_limited with their waits', async () => {
    fake.tracker.fail({ status: 429, route: 'ticket.create', headers: { 'retry-after': '7' } });
    expect(await trackerError(gh.create(ticket()))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000 });

    fake.exhaustRateLimit({ resetAt: new Date(Date.now() + 600_000), route: 'ticket.find' });
    const primary = await trackerError(gh.findByMarker(DEFECT_ID, new Date()));
    expect(primary.kind).toBe('rate_limited');
    expect(primary.retryAfterMs).toBeGreaterThan(590_000);

    fake.secondaryRateLimit({ retryAfterSeconds: 45, route: 'ticket.create' });
    expect(await trackerError(gh.create(ticket()))).toMatchObject({ kind: 'rate_limited', status: 403, retryAfterMs: 45_000 });
  });

  it('an injected 401 is rejected', async () => {
    fake.tracker.fail({ status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } });
    expect(await trackerError(gh.create(ticket()))).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('the fake refuses a wrong token with GitHub’s 401', async () => {
    const wrong = connector({ apiUrl: fake.tracker.baseUrl, token: 'ghp_wrong' });
    const err = await trackerError(wrong.create(ticket()));
    expect(err).toMatchObject({ kind: 'rejected', status: 401 });
    expect(err.message).toContain('Bad credentials');
    expect(err.message).not.toContain('ghp_wrong');
  });

  it('a request slower than timeoutMs is transient', async () => {
    fake.tracker.latencyMs = 400;
    const slow = connector({ apiUrl: fake.tracker.baseUrl, token: fake.token }, { timeoutMs: 100 });
    const started = Date.now();
    const err = await trackerError(slow.read({ remoteId: '1', key: 'acme/app#1', url: '' }));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('within 100 ms');
    expect(Date.now() - started).toBeLessThan(350);
  });
});
