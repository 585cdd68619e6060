// One deployment, many targets (issue 14): two GitHub servers (acme/shop, acme/mobile), one Jira with two
// projects, one Asana, configured as SYNC_CONFIG connections with routes; no GITHUB_*/JIRA_*/ASANA_*.
// Routes choose by project, severity and tag; a route change adds a ticket and no link ever stops; a 429
// on one GitHub connection pauses only it; each connection's webhook is verified with its own secret.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { createGithubFake } from '../../fakes/github/server.ts';
import { until, type Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect, patchDefect } from '../helpers/fixtures.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';

type Link = { connection: string; tracker: string; remoteId: string | null; key: string | null; syncState: string };

const SECRETS = { shop: 'shop-hook-secret-0123456789', mobile: 'mobile-hook-secret-0123456789', qa: 'qa-jira-hook-secret-0123456789' };
let t: Trackers;
// acme/mobile is reached as a GitHub App installation (the service mints its tokens), acme/shop with a token.
const mobile = createGithubFake({ token: 'ghp_mobile_token', repository: 'acme/mobile', collaborators: [ANA.github, BOB.github], app: { id: 4242, installations: [{ id: 77, repositories: ['acme/mobile'] }] } });
let svc: Service;
let designProject = '';

let stop: () => Promise<void>;

/** The fakes' set-up for this file, and the SYNC_CONFIG of its six connections and five routes. */
function configure(t: Trackers): Record<string, string> {
  t.jira.state.projects.add('MOBILE');
  t.jira.state.components.set('QA', new Set(['Web']));
  designProject = t.asana.addProject('Design reviews').gid;
  const dir = mkdtempSync(join(tmpdir(), 'defect-sync-connections-'));
  const config = join(dir, 'sync.yaml');
  writeFileSync(
    config,
    stringify({
      people: t.people,
      asana: { severityField: t.asana.severityField() },
      connections: {
        'shop-github': { kind: 'github', repository: 'acme/shop', apiUrl: t.env.GITHUB_API_URL, token: '${SHOP_TOKEN}', webhookSecret: '${SHOP_HOOK}' },
        'mobile-github': { kind: 'github', repository: 'acme/mobile', apiUrl: mobile.tracker.baseUrl, app: { appId: 4242, privateKey: '${MOBILE_APP_KEY}', installationId: 77 }, webhookSecret: SECRETS.mobile },
        'qa-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: '${JIRA_TOKEN}', project: 'QA', webhookSecret: SECRETS.qa, createFields: { components: [{ name: 'Web' }] } },
        'mobile-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: '${JIRA_TOKEN}', project: 'MOBILE' },
        'oncall-asana': { kind: 'asana', token: t.env.ASANA_TOKEN, workspace: t.env.ASANA_WORKSPACE_GID, project: t.env.ASANA_PROJECT_GID, apiUrl: t.env.ASANA_API_URL },
        // A second project in the same Asana workspace, with no severity field of its own (its mapping says so).
        'design-asana': { kind: 'asana', token: t.env.ASANA_TOKEN, workspace: t.env.ASANA_WORKSPACE_GID, project: '${DESIGN_PROJECT}', apiUrl: t.env.ASANA_API_URL, asana: { severityField: null } },
      },
      routes: [
        { when: { project: ['mobile'] }, to: ['mobile-github', 'mobile-jira'] },
        { when: { severity: ['critical'] }, to: ['shop-github', 'qa-jira', 'oncall-asana'] },
        { when: { tags: ['payments'] }, to: ['shop-github', 'qa-jira'] },
        { when: { tags: ['design'] }, to: ['shop-github', 'design-asana'] },
        { to: ['shop-github'] },
      ],
    }),
  );
  return { SYNC_CONFIG: config, DESIGN_PROJECT: designProject, SHOP_TOKEN: t.github.token, MOBILE_APP_KEY: mobile.app.privateKey, JIRA_TOKEN: t.env.JIRA_API_TOKEN!, SHOP_HOOK: SECRETS.shop };
}

beforeAll(async () => {
  await mobile.tracker.start();
  ({ t, svc, stop } = await startWithTrackers({
    trackers: { repository: 'acme/shop' },
    // The connections come from SYNC_CONFIG alone: none of the fakes' GITHUB_*/JIRA_*/ASANA_* variables.
    env: (_base, t) => configure(t),
    debounceMs: 50,
    // Serving on a port: each Asana connection registers its own webhook through the fake's handshake.
    listen: true,
  }));
});
afterEach(() => {
  t.clearFaults();
  mobile.tracker.clearFaults();
});
afterAll(async () => {
  await stop?.();
  await mobile.tracker.stop();
});

const linksOf = async (key: string): Promise<Link[]> => (await svc.http.get(`/api/defects/${key}/links`)).body.data;
/** Waits until the defect's links are exactly these connections, all synced. */
const settled = (key: string, connections: string[]) =>
  until(`${key} synced in ${connections.join(', ')}`, async () => {
    const links = await linksOf(key);
    return links.length === connections.length && links.every((l) => l.syncState === 'synced' && connections.includes(l.connection)) && links;
  });
const issuesOf = (fake: { issues: () => Record<string, unknown>[] }, title: string) => fake.issues().filter((i) => i['title'] === title);
const jiraIssues = (project: string, title: string) =>
  t.jira.issues().filter((i) => (i['key'] as string).startsWith(`${project}-`) && (i['fields'] as { summary: string }).summary === title);

describe('routes choose the connections', () => {
  it('sends a mobile defect to acme/mobile and MOBILE, a critical one to shop, QA and Asana, a payments one to shop and QA, the rest to shop', async () => {
    const cases = [
      { body: { title: 'Login button overlaps on iPhone', project: 'mobile', severity: 'critical' }, to: ['mobile-github', 'mobile-jira'] },
      { body: { title: 'Checkout down for everyone', severity: 'critical' }, to: ['shop-github', 'qa-jira', 'oncall-asana'] },
      { body: { title: 'Refund rounds to the cent wrongly', tags: ['payments'] }, to: ['shop-github', 'qa-jira'] },
      { body: { title: 'Footer link typo', severity: 'low' }, to: ['shop-github'] },
    ];
    const created = await Promise.all(cases.map((c) => createDefect(svc.http, c.body)));
    for (const [i, c] of cases.entries()) {
      const links = await settled(created[i]!.key, c.to);
      expect(links.map((l) => [l.connection, l.tracker]).sort()).toEqual(c.to.map((name) => [name, name.split('-')[1]]).sort());
    }
    expect(issuesOf(mobile, 'Login button overlaps on iPhone')).toHaveLength(1);
    // Through installation tokens the service minted with the app's key (the static token was never given).
    expect(mobile.tracker.count('app.token')).toBeGreaterThanOrEqual(1);
    expect(issuesOf(t.github, 'Login button overlaps on iPhone')).toHaveLength(0);
    expect(jiraIssues('MOBILE', 'Login button overlaps on iPhone')).toHaveLength(1);
    expect(issuesOf(t.github, 'Checkout down for everyone')).toHaveLength(1);
    expect(issuesOf(mobile, 'Checkout down for everyone')).toHaveLength(0);
    // The connection's createFields went with the create; MOBILE's issues have none.
    const [qa] = jiraIssues('QA', 'Checkout down for everyone');
    expect((qa!['fields'] as { components: { name: string }[] }).components.map((c) => c.name)).toEqual(['Web']);
    expect((jiraIssues('MOBILE', 'Login button overlaps on iPhone')[0]!['fields'] as { components: unknown[] }).components).toEqual([]);
    expect(t.asana.tasks().filter((x) => x['name'] === 'Checkout down for everyone')).toHaveLength(1);
    expect(jiraIssues('QA', 'Footer link typo')).toHaveLength(0);
  });

  it('gives a defect a ticket in a connection its route names after a change, and keeps its earlier links syncing', async () => {
    const d = await createDefect(svc.http, { title: 'Cart total flickers', severity: 'medium' });
    await settled(d.key, ['shop-github']);
    await patchDefect(svc.http, d.key, { severity: 'critical' });
    await settled(d.key, ['shop-github', 'qa-jira', 'oncall-asana']);
    // No longer critical: the route names shop alone, but no link stops; a title change reaches all three.
    await patchDefect(svc.http, d.key, { severity: 'low' });
    await patchDefect(svc.http, d.key, { title: 'Cart total flickers on resize' });
    await until('the new title in Asana', () => t.asana.tasks().some((x) => x['name'] === 'Cart total flickers on resize'));
    await until('the new title in QA', () => jiraIssues('QA', 'Cart total flickers on resize').length === 1);
    expect(issuesOf(t.github, 'Cart total flickers on resize')).toHaveLength(1);
    expect((await linksOf(d.key)).map((l) => l.connection).sort()).toEqual(['oncall-asana', 'qa-jira', 'shop-github']);
    expect(issuesOf(mobile, 'Cart total flickers on resize')).toHaveLength(0);
  });

  it('links an existing ticket by connection, and refuses the tracker alone where that kind has several', async () => {
    const d = await createDefect(svc.http, { title: 'Linked by hand', project: 'mobile' });
    await settled(d.key, ['mobile-github', 'mobile-jira']);
    const existing = t.github.createByHand({ title: 'A shop issue filed by a developer' });
    const ambiguous = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', key: String(existing['number']) });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.message).toBe('connection: is required: tracker github has 2 connections (shop-github, mobile-github)');
    expect(ambiguous.body.error.details.fields).toEqual([expect.objectContaining({ field: 'connection' })]);
    const linked = await svc.http.post(`/api/defects/${d.key}/links`).send({ connection: 'shop-github', key: String(existing['number']) });
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    expect(linked.body).toMatchObject({ connection: 'shop-github', tracker: 'github', key: `acme/shop#${existing['number']}` });
    // (With one connection of a kind, the kind alone names it: the environment-only files link that way.)
    const asana = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'asana', key: '1' });
    expect(asana.body.error.message).toBe('connection: is required: tracker asana has 2 connections (oncall-asana, design-asana)');
    const unknown = await svc.http.post(`/api/defects/${d.key}/links`).send({ connection: 'nope', key: '1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('connection: nope is not configured (configured: shop-github, mobile-github, qa-jira, mobile-jira, oncall-asana, design-asana)');
  });
});

describe('two Asana projects', () => {
  it("registers a webhook per connection, and a person's change in either project reaches its defect through it", async () => {
    const hooks = await svc.prisma.webhookRegistration.findMany({ where: { connection: { in: ['oncall-asana', 'design-asana'] }, state: 'active' } });
    expect(hooks.map((h) => [h.connection, h.resource]).sort()).toEqual(
      [
        ['design-asana', designProject],
        ['oncall-asana', t.env.ASANA_PROJECT_GID],
      ].sort(),
    );
    const d = await createDefect(svc.http, { title: 'Modal spacing off', tags: ['design'] });
    const links = await settled(d.key, ['shop-github', 'design-asana']);
    const gid = links.find((l) => l.connection === 'design-asana')!.remoteId!;
    expect((t.asana.task(gid)!['projects'] as { gid: string }[]).map((p) => p.gid)).toEqual([designProject]);
    // A person completes the task: its project's webhook (the design connection's) brings it in.
    t.asana.editTask(gid, { completed: true });
    await until('the defect resolved from the design project', async () => (await svc.http.get(`/api/defects/${d.key}`)).body.status === 'resolved');
    await until('the shop issue closed', () => issuesOf(t.github, 'Modal spacing off')[0]?.['state'] === 'closed');
    const history = (await svc.http.get(`/api/defects/${d.key}`)).body.history as { actor: string }[];
    expect(history.at(-1)!.actor).toBe('tracker:design-asana');
    const notices = await svc.prisma.inboundEvent.findMany({ where: { remoteIds: { has: gid } }, select: { connection: true, source: true } });
    expect(notices.length).toBeGreaterThan(0);
    expect(new Set(notices.map((n) => n.connection))).toEqual(new Set(['design-asana']));
  });
});

describe('configuration check per connection', () => {
  it('checks the GitHub App connection through its installation token, and the token connection through its user', async () => {
    const ctx = { webhook: null };
    const app = await svc.connectors.get('mobile-github')!.check(ctx);
    expect(app.filter((f) => f.level === 'error')).toEqual([]);
    expect(app).toContainEqual(expect.objectContaining({ level: 'ok', what: 'GitHub App installation token accepted' }));
    expect(mobile.tracker.calls.some((c) => c.route === 'installation.repos' && c.status === 200)).toBe(true);
    const token = await svc.connectors.get('shop-github')!.check(ctx);
    expect(token.filter((f) => f.level === 'error')).toEqual([]);
    expect(token).toContainEqual(expect.objectContaining({ level: 'ok', what: expect.stringMatching(/^token accepted \(user /) }));
  });
});

describe('isolation', () => {
  it('keeps acme/mobile syncing while acme/shop answers 429, then syncs shop when its limit lifts', async () => {
    t.github.tracker.fail({ status: 429, headers: { 'retry-after': '3' }, route: 'ticket.create', times: 1 });
    const shop = await createDefect(svc.http, { title: 'Shop defect during a rate limit' });
    await until('the shop connection rate limited', () => t.github.tracker.calls.some((c) => c.route === 'ticket.create' && c.status === 429));
    const started = Date.now();
    const mob = await createDefect(svc.http, { title: 'Mobile defect during shop rate limit', project: 'mobile' });
    await settled(mob.key, ['mobile-github', 'mobile-jira']);
    // Well inside shop's 3 s wait: its queue's pause did not hold mobile's.
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await linksOf(shop.key)).find((l) => l.connection === 'shop-github')?.remoteId ?? null).toBeNull();
    await settled(shop.key, ['shop-github']);
    expect(issuesOf(t.github, 'Shop defect during a rate limit')).toHaveLength(1);
  });
});

describe('polling per connection', () => {
  it("keeps a cursor per connection, and a missed edit in acme/mobile reaches only its own defect", async () => {
    const d = await createDefect(svc.http, { title: 'Polled in mobile', project: 'mobile' });
    const links = await settled(d.key, ['mobile-github', 'mobile-jira']);
    const number = Number(links.find((l) => l.connection === 'mobile-github')!.remoteId);
    // No webhook is pointed at the service from acme/mobile: only a poll can see this edit.
    mobile.editByHand(number, { title: 'Polled in mobile (edited in GitHub)' });
    for (const name of ['shop-github', 'mobile-github']) await pollTracker(svc.prisma, svc.connectors.get(name)!, svc.inbox, createLogger('silent'));
    await until('the title pulled from acme/mobile', async () => (await svc.http.get(`/api/defects/${d.key}`)).body.title === 'Polled in mobile (edited in GitHub)');
    const cursors = await svc.prisma.pollCursor.findMany({ where: { connection: { in: ['shop-github', 'mobile-github'] } }, orderBy: { connection: 'asc' } });
    expect(cursors.map((c) => [c.connection, c.lastError])).toEqual([
      ['mobile-github', null],
      ['shop-github', null],
    ]);
    await until('MOBILE follows', () => jiraIssues('MOBILE', 'Polled in mobile (edited in GitHub)').length === 1);
  });
});

describe('webhooks per connection', () => {
  const deliveries: string[] = [];
  const post = (path: string, secret: string, body: string) =>
    svc.http
      .post(path)
      .set('content-type', 'application/json')
      .set('x-github-event', 'issues')
      .set('x-github-delivery', deliveries[deliveries.push(randomUUID()) - 1]!)
      .set('x-hub-signature-256', `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
      .send(body);

  it("verifies each connection's deliveries with its own secret only", async () => {
    const d = await createDefect(svc.http, { title: 'Webhook per connection', project: 'mobile' });
    const links = await settled(d.key, ['mobile-github', 'mobile-jira']);
    const number = Number(links.find((l) => l.connection === 'mobile-github')!.remoteId);
    const body = JSON.stringify({ action: 'edited', issue: { number }, repository: { full_name: 'acme/mobile' } });
    // Signed with the shop connection's secret at mobile's URL: refused.
    expect((await post('/webhooks/github/mobile-github', SECRETS.shop, body)).status).toBe(401);
    expect((await post('/webhooks/github/mobile-github', SECRETS.mobile, body)).status).toBe(202);
    // The kind's own URL serves the connection named after it, of which this deployment has none.
    expect((await post('/webhooks/github', SECRETS.mobile, body)).status).toBe(404);
    expect((await post('/webhooks/github/qa-jira', SECRETS.qa, body)).status).toBe(404);
    // mobile-jira has no secret: no open route.
    expect((await svc.http.post('/webhooks/jira/mobile-jira').send('{}')).status).toBe(404);
    // Of all those posts, the one signed with mobile's own secret at mobile's URL was recorded, under mobile.
    const rows = await svc.prisma.inboundEvent.findMany({ where: { deliveryId: { in: deliveries } }, select: { connection: true } });
    expect(rows).toEqual([{ connection: 'mobile-github' }]);
  });
});
