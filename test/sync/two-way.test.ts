// Two-way sync end to end: people edit tickets in the fake trackers, the fakes send signed webhooks (or
// none, and polling heals), the service verifies, records and applies them through the real SDKs, and
// carries each change to the defect and the other trackers, field by field, the later change winning.
import { distinctMessage } from '../helpers/context.ts';
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { startService, type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { patchDefect, recordRun } from '../helpers/fixtures.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';
import type { TrackerKind } from '../../connectors/contract.ts';

const SECRETS = { github: 'gh-webhook-secret-0123456789', jira: 'jira-webhook-secret-0123456789' };
const ADMIN = 'admin-token-for-two-way-tests';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  // Won't fix shows as Jira's "Won't Do", so closed and resolved are told apart there (Jira's default target for closed is the done category).
  ({ t, svc, stop } = await startWithTrackers({
    trackers: { syncConfig: { jira: { targets: { closed: "Won't Do" } } } },
    secrets: SECRETS,
    sendWebhooks: true,
    env: { GITHUB_WEBHOOK_SECRET: `old-secret-being-rotated,${SECRETS.github}`, ADMIN_TOKEN: ADMIN },
    debounceMs: 200,
  }));
});
afterAll(() => stop?.());
afterEach(async () => {
  for (const fake of [t.github, t.jira]) {
    fake.webhooks.resume();
    fake.webhooks.dropNext = 0;
  }
  t.asana.webhookFaults.dropNext = 0;
  await t.webhooksSettled();
});

const ghIssue = (l: Link[]) => t.github.issue(Number(remoteIdOf(l, 'github'))) as { title: string; state: string; state_reason: string | null };
const jiraIssue = (l: Link[]) => t.jira.issue(remoteIdOf(l, 'jira'));
const jiraStatus = (l: Link[]) => t.jira.state.status(jiraIssue(l).statusId);
const asanaTask = (l: Link[]) => t.asana.task(remoteIdOf(l, 'asana')) as { name: string; completed: boolean };
const defect = async (key: string) => (await svc.http.get(`/api/defects/${key}`)).body;
const poll = (tracker: TrackerKind) => pollTracker(svc.prisma, svc.connectors.get(tracker)!, svc.inbox, createLogger('silent'));

/** A defect raised from a failed run, with its three tickets in step. */
async function syncedDefect(title: string) {
  const testCase = `two-way › ${randomUUID().slice(0, 8)}`;
  const run = await recordRun(svc.http, { testCase, status: 'failed', message: distinctMessage('boom') });
  const res = await svc.http.post('/api/defects').send({ title, assignee: ANA.email, caseRunIds: [run.id] });
  expect(res.status).toBe(201);
  const l = await settledLinks(svc.http, res.body.key, 0);
  // The trackers announce our own creates too; let those echoes arrive and be read before a test edits.
  await t.webhooksSettled();
  await new Promise((r) => setTimeout(r, 700));
  return { key: res.body.key as string, id: res.body.id as string, testCase, links: l };
}

async function adminConflicts(defectKey: string) {
  const res = await svc.http.get('/admin/conflicts').set('authorization', `Bearer ${ADMIN}`);
  expect(res.status).toBe(200);
  return (res.body.data as { defect: string; field: string; defectValue: unknown; remoteValue: unknown; winner: string }[]).filter((c) => c.defect === defectKey);
}

describe('webhooks from the trackers', () => {
  it("registers the service's Asana webhook at start, through Asana's handshake", () => {
    const hooks = t.asana.webhooks();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ active: true, resource: t.asana.project.gid });
    expect(hooks[0]!.target).toMatch(new RegExp(`^${svc.url}/webhooks/asana/[0-9a-f-]{36}$`));
  });

  it('carries a change made in any tracker to the defect and the other two, writing nothing back to its origin', async () => {
    const d = await syncedDefect('Login button unresponsive');

    let before = t.writes();
    t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { title: 'Login button does nothing on Safari' });
    await until('the GitHub title everywhere', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === 'Login button does nothing on Safari' && jiraIssue(l).summary === 'Login button does nothing on Safari' && asanaTask(l).name === 'Login button does nothing on Safari';
    });
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 600)); // a write back would happen within this window
    expect(t.writes().github - before.github).toBe(0);

    before = t.writes();
    t.jira.edit(remoteIdOf(d.links, 'jira'), { priority: { name: 'Highest' } });
    await until('critical everywhere', async () => (await defect(d.key)).severity === 'critical' && (ghIssue(d.links) as unknown as { labels: { name: string }[] }).labels.some((x) => x.name === 'severity: critical'));
    await new Promise((r) => setTimeout(r, 600));
    expect(t.writes().jira - before.jira).toBe(0);

    before = t.writes();
    t.asana.editTask(remoteIdOf(d.links, 'asana'), { completed: true });
    await until('resolved everywhere', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).status === 'resolved' && ghIssue(l).state === 'closed' && jiraStatus(l).category === 'done';
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(t.writes().asana - before.asana).toBe(0);
    const history = (await defect(d.key)).history as { from: string; to: string; actor: string }[];
    expect(history.at(-1)).toMatchObject({ from: 'open', to: 'resolved', actor: 'tracker:asana' });
  });

  it('resolves two concurrent edits of one field to the later one on all four sides, and lists the decision', async () => {
    const d = await syncedDefect('Checkout total wrong');
    t.github.webhooks.pause();
    t.jira.webhooks.pause();
    t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { title: 'Total wrong (GitHub, earlier)' });
    await new Promise((r) => setTimeout(r, 1100)); // GitHub's clock has whole seconds
    t.jira.edit(remoteIdOf(d.links, 'jira'), { summary: 'Total wrong (Jira, later)' });
    // Neither webhook arrives; the next polls find both changes.
    await Promise.all([poll('github'), poll('jira')]);
    const later = 'Total wrong (Jira, later)';
    await until('the later title on all four sides', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === later && ghIssue(l).title === later && jiraIssue(l).summary === later && asanaTask(l).name === later && l.every((x) => x.syncState === 'synced');
    });
    const decided = await adminConflicts(d.key);
    expect(decided.length).toBeGreaterThanOrEqual(1);
    for (const c of decided) {
      expect(c.field).toBe('title');
      expect(c.winner === 'defect' ? c.defectValue : c.remoteValue).toBe(later);
    }
  });

  it("stamps a pulled title with the time of its own change, not the ticket's updated time, so a later edit elsewhere still wins", async () => {
    const d = await syncedDefect('Report export slow');
    t.github.webhooks.pause();
    t.jira.webhooks.pause();
    const number = Number(remoteIdOf(d.links, 'github'));
    t.github.editByHand(number, { title: 'Report export slow (GitHub, first)' });
    await new Promise((r) => setTimeout(r, 1100)); // GitHub's clock has whole seconds
    t.jira.edit(remoteIdOf(d.links, 'jira'), { summary: 'Report export slow (Jira, later)' });
    await new Promise((r) => setTimeout(r, 1100));
    // Someone then labels the GitHub issue: its updated time moves past the Jira edit, its title does not change.
    const labels = (t.github.issue(number) as { labels: { name: string }[] }).labels.map((x) => x.name);
    t.github.editByHand(number, { labels: [...labels, 'needs-triage'] });
    // No webhook arrives; GitHub's change is found (and applied) first, Jira's after.
    await poll('github');
    await until('the defect retitled', async () => (await defect(d.key)).title !== 'Report export slow');
    await poll('jira');
    const later = 'Report export slow (Jira, later)';
    await until('the later (Jira) title on all four sides', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === later && ghIssue(l).title === later && jiraIssue(l).summary === later && asanaTask(l).name === later && l.every((x) => x.syncState === 'synced');
    });
  });

  it("keeps the defect's value when both sides changed a field at the same instant", async () => {
    const d = await syncedDefect('Search is slow');
    t.jira.webhooks.pause();
    const patched = await patchDefect(svc.http, d.key, { title: 'Search is slow (defect)' });
    // The person's edit in Jira lands at exactly the defect's change time.
    t.jira.state.pinNextTime(Date.parse(patched.fieldChangedAt.title));
    t.jira.edit(remoteIdOf(d.links, 'jira'), { summary: 'Search is slow (Jira)' });
    await until('the tie decided', async () => (await adminConflicts(d.key)).length > 0);
    const [c] = await adminConflicts(d.key);
    expect(c).toMatchObject({ field: 'title', defectValue: 'Search is slow (defect)', remoteValue: 'Search is slow (Jira)', winner: 'defect' });
    await until('the defect title in Jira', async () => jiraIssue(await linksOf(svc.http, d.key)).summary === 'Search is slow (defect)');
    expect((await defect(d.key)).title).toBe('Search is slow (defect)');
  });

  it('gives a delivery replayed three times one effect', async () => {
    const d = await syncedDefect('Avatar upload fails');
    const sentBefore = t.github.webhooks.sent.length;
    t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { title: 'Avatar upload fails for PNG' });
    await until('the edit applied', async () => (await defect(d.key)).title === 'Avatar upload fails for PNG');
    await t.webhooksSettled();
    const delivery = t.github.webhooks.sent[sentBefore]!.delivery;
    const version = (await defect(d.key)).version;
    for (let i = 0; i < 3; i++) expect(await t.github.webhooks.replay(delivery)).toBe(200);
    const rows = await svc.prisma.inboundEvent.count({ where: { connection: 'github', deliveryId: delivery.headers['x-github-delivery']! } });
    expect(rows).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect((await defect(d.key)).version).toBe(version);
  });

  it('heals a dropped webhook with the next poll, and a failing re-run then reopens the defect and all three tickets', async () => {
    const d = await syncedDefect('Password reset mail missing');
    t.github.webhooks.dropNext = 1;
    t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { state: 'closed', state_reason: 'completed' });
    await new Promise((r) => setTimeout(r, 800));
    expect((await defect(d.key)).status).toBe('open'); // the webhook never came
    await poll('github');
    await until('resolved everywhere after the poll', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).status === 'resolved' && jiraStatus(l).category === 'done' && asanaTask(l).completed;
    });

    await recordRun(svc.http, { testCase: d.testCase, status: 'failed', message: distinctMessage('still broken') });
    await until('reopened everywhere', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).status === 'reopened' && ghIssue(l).state === 'open' && jiraStatus(l).category === 'new' && !asanaTask(l).completed;
    });
  });

  it("keeps the defect's assignee when the ticket's assignee is not in the people mapping, and says so on the link", async () => {
    const d = await syncedDefect('Export to CSV truncates');
    t.github.addCollaborator('stranger-gh');
    t.github.editByHand(Number(remoteIdOf(d.links, 'github')), { assignees: ['stranger-gh'] });
    const l = await until('the warning on the GitHub link', async () => {
      const l = await linksOf(svc.http, d.key);
      return l.find((x) => x.tracker === 'github')!.warnings?.some((w) => w.includes('stranger-gh')) && l;
    });
    expect(l.find((x) => x.tracker === 'github')!.syncState).toBe('synced');
    expect((await defect(d.key)).assignee).toBe(ANA.email);
  });

  it('leaves GitHub with exactly the defect\'s assignee and severity label when a person had added a second of each', async () => {
    const d = await syncedDefect('Tooltip flickers');
    const number = Number(remoteIdOf(d.links, 'github'));
    const labels = (t.github.issue(number) as { labels: { name: string }[] }).labels.map((x) => x.name);
    expect(labels).toContain('severity: medium');
    // A person adds a co-assignee and a second severity label; both read back as before (the first of each wins).
    t.github.editByHand(number, { assignees: [ANA.github, BOB.github], labels: [...labels, 'severity: low'] });
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 700));
    expect(await defect(d.key)).toMatchObject({ assignee: ANA.email, severity: 'medium' });

    // The assignee alone (a severity change rewrites the footer, so GitHub's labels are read for it anyway).
    await patchDefect(svc.http, d.key, { assignee: null });
    await until('GitHub unassigned', () => (t.github.issue(number) as { assignees: unknown[] }).assignees.length === 0);
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 800)); // a value pulled back would land within this window
    expect(await defect(d.key)).toMatchObject({ assignee: null });
    await patchDefect(svc.http, d.key, { severity: 'critical' });
    await until('GitHub unassigned with one severity label', () => {
      const issue = t.github.issue(number) as { labels: { name: string }[]; assignees: { login: string }[] };
      const severities = issue.labels.map((x) => x.name).filter((n) => n.startsWith('severity: '));
      return issue.assignees.length === 0 && severities.length === 1 && severities[0] === 'severity: critical';
    });
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 800)); // a value pulled back would land within this window
    expect(await defect(d.key)).toMatchObject({ assignee: null, severity: 'critical' });
  });

  it('marks the link missing when the GitHub issue is deleted, and follows a Jira issue moved to another project', async () => {
    const d = await syncedDefect('Dark mode colours off');
    t.github.deleteIssue(Number(remoteIdOf(d.links, 'github')));
    const newKey = t.jira.moveIssue(remoteIdOf(d.links, 'jira'), 'OPS');
    await until('github missing, jira rekeyed', async () => {
      const l = await linksOf(svc.http, d.key);
      const gh = l.find((x) => x.tracker === 'github')!;
      const jira = l.find((x) => x.tracker === 'jira')!;
      return gh.syncState === 'missing' && /410|deleted/i.test(gh.lastError ?? '') && jira.key === newKey && jira.syncState === 'synced';
    });
  });
});

describe('status moves from trackers', () => {
  it("records a move the lifecycle refuses on the link and brings the ticket back, without looping", async () => {
    const d = await syncedDefect('Invoice PDF blank');
    await patchDefect(svc.http, d.key, { status: 'closed' }); // won't fix: Jira shows Won't Do
    await until("Won't Do in Jira", async () => jiraStatus(await linksOf(svc.http, d.key)).name === "Won't Do");
    await t.webhooksSettled();
    const writesBefore = t.writes().jira;
    t.jira.setStatus(remoteIdOf(d.links, 'jira'), 'Done'); // closed → resolved is not a move a defect makes
    const l = await until('the refusal on the Jira link and the ticket back', async () => {
      const l = await linksOf(svc.http, d.key);
      const jira = l.find((x) => x.tracker === 'jira')!;
      return jira.warnings?.some((w) => /resolved.*closed/.test(w)) && jiraStatus(l).name === "Won't Do" && l;
    });
    expect(l.find((x) => x.tracker === 'jira')!.syncState).toBe('synced');
    expect((await defect(d.key)).status).toBe('closed');
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 800));
    expect(t.writes().jira - writesBefore).toBe(1); // one transition back, then quiet
  });

  it('takes a resolved defect a person moves to In Progress in Jira through reopened to in progress, leaving Jira where the person put it', async () => {
    const d = await syncedDefect('Upload spinner never stops');
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await until('Done in Jira', async () => jiraStatus(await linksOf(svc.http, d.key)).category === 'done');
    await t.webhooksSettled();
    t.jira.setStatus(remoteIdOf(d.links, 'jira'), 'In Progress');
    await until('in progress on the defect', async () => (await defect(d.key)).status === 'in_progress');
    await t.webhooksSettled();
    await settledLinks(svc.http, d.key, Date.now() - 100);
    await new Promise((r) => setTimeout(r, 800)); // a bounce back to To Do would happen within this window
    const l = await linksOf(svc.http, d.key);
    expect(jiraStatus(l).name).toBe('In Progress');
    expect(ghIssue(l).state).toBe('open');
    expect(asanaTask(l).completed).toBe(false);
    const history = (await defect(d.key)).history as { from: string; to: string; actor: string }[];
    expect(history.slice(-2)).toMatchObject([
      { from: 'resolved', to: 'reopened', actor: 'tracker:jira' },
      { from: 'reopened', to: 'in_progress', actor: 'tracker:jira' },
    ]);
  });

  it('lets a failing re-run reopen the defect and its tickets when it is later than a person closing the ticket', async () => {
    const d = await syncedDefect('Session expires early');
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await settledLinks(svc.http, d.key, Date.now() - 100);
    await until('Done in Jira', async () => jiraStatus(await linksOf(svc.http, d.key)).category === 'done');
    await t.webhooksSettled();
    t.jira.webhooks.pause();
    t.jira.setStatus(remoteIdOf(d.links, 'jira'), "Won't Do"); // a person closes it as won't fix…
    await new Promise((r) => setTimeout(r, 50));
    await recordRun(svc.http, { testCase: d.testCase, status: 'failed', message: distinctMessage('fails again') }); // …then the re-run fails
    await until('reopened on all four sides', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).status === 'reopened' && ghIssue(l).state === 'open' && jiraStatus(l).category === 'new' && !asanaTask(l).completed;
    });
  });
});

describe('refused webhook requests', () => {
  const body = JSON.stringify({ action: 'edited', issue: { number: 1 }, repository: { full_name: 'acme/app' } });
  const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const post = (path: string, headers: Record<string, string>, payload = body) =>
    fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  const counts = async () => ({
    events: await svc.prisma.inboundEvent.count(),
    registrations: await svc.prisma.webhookRegistration.count(),
    active: await svc.prisma.webhookRegistration.count({ where: { state: 'active' } }),
  });
  /**
   * The counts before a test's refused requests, once earlier tests' syncs are done echoing: their writes,
   * announced back by the fakes after the test that made them ended, are events too (seen under load).
   */
  const settledCounts = async () => {
    for (let prev = await counts(); ; ) {
      await t.webhooksSettled();
      await new Promise((r) => setTimeout(r, 700));
      const now = await counts();
      if (JSON.stringify(now) === JSON.stringify(prev)) return now;
      prev = now;
    }
  };

  it('refuses a forged or missing signature and an unsolicited Asana handshake, changing nothing', async () => {
    const before = await settledCounts();
    const gh = { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() };
    for (const res of [
      await post('/webhooks/github', { ...gh, 'x-hub-signature-256': sign('not-the-secret-at-all') }),
      await post('/webhooks/github', gh),
      await post('/webhooks/jira', { 'x-atlassian-webhook-identifier': '1', 'x-hub-signature': sign(SECRETS.github) }),
      await post(`/webhooks/asana/${randomUUID()}`, { 'x-hook-secret': 'planted-secret' }),
      await post(`/webhooks/asana/not-a-uuid`, { 'x-hook-secret': 'planted-secret' }),
      await post(`/webhooks/asana/${(await svc.prisma.webhookRegistration.findFirst({ where: { state: 'active' } }))!.id}`, { 'x-hook-secret': 'replanted' }),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 400 to a signed body that is not a delivery, and 413 to an oversized one, storing nothing', async () => {
    const before = await settledCounts();
    const bad = '{"action":"edited","issue":{"number":"x"},"repository":{"full_name":"acme/app"}}';
    const res = await post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.github).update(bad).digest('hex')}` }, bad);
    expect(res.status).toBe(400);
    const huge = 'x'.repeat(2 * 1024 * 1024);
    expect((await post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() }, huge)).status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('acknowledges a ping and events about tickets no defect is linked to with 200, without effect', async () => {
    const ping = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const res = await post('/webhooks/github', { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.github).update(ping).digest('hex')}` }, ping);
    expect(res.status).toBe(200);
    const stranger = JSON.stringify({ action: 'edited', issue: { number: 99999 }, repository: { full_name: t.github.repository } });
    const res2 = await post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRETS.github).update(stranger).digest('hex')}` }, stranger);
    expect(res2.status).toBe(200);
  });

  it('has no open route for a tracker whose secret is not configured, and no admin list without the token', async () => {
    const bare = await startService({ env: { ...t.env }, workers: false });
    expect((await bare.http.post('/webhooks/github').set('x-hub-signature-256', sign(SECRETS.github)).send(body)).status).toBe(404);
    expect((await bare.http.get('/admin/conflicts')).status).toBe(503);
    expect((await svc.http.get('/admin/conflicts')).status).toBe(401);
    expect((await svc.http.get('/admin/conflicts').set('authorization', 'Bearer wrong-token-wrong-token')).status).toBe(401);
    await bare.stop();
  });
});
