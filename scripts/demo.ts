// The whole loop on one machine: fake GitHub, Jira and Asana on 127.0.0.1, the real service wired to
// them exactly as an operator would (environment + SYNC_CONFIG), and a short scripted tour through the
// public API that prints what each tracker ends up holding. The service keeps running afterwards for
// your own curl experiments; Ctrl-C stops everything. `--once` runs the tour and exits (used by a test).
//
// Env: DATABASE_URL (default database defect_sync_demo), REDIS_URL, PORT (3000; 0 picks a free one),
// DEMO_PORTS (4101,4102,4103,4104: GitHub acme/shop, Jira, Asana, GitHub acme/mobile), ADMIN_TOKEN (a demo token by default).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { deleteRedisPrefix } from '../src/outbox/queues.ts';
import { startTrackers, personFor, ANA, BOB } from '../fakes/index.ts';
import { createGithubFake } from '../fakes/github/server.ts';
import { freePort } from '../fakes/free-port.ts';
import { startHookReceiver } from '../fakes/hook-receiver.ts';
import { signatureHeader } from '../src/hooks/signing.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../src/node-flags.ts';

const once = process.argv.includes('--once');
const ports = (process.env.DEMO_PORTS ?? '4101,4102,4103,4104').split(',').map(Number) as [number, number, number, number];
const portInUse = (err: NodeJS.ErrnoException & { port?: number }): never => {
  if (err.code !== 'EADDRINUSE') throw err;
  console.error(`demo: port ${err.port} is already in use. The fake trackers listen on DEMO_PORTS (now ${ports.join(',')}); set DEMO_PORTS to four free ports, e.g. DEMO_PORTS=5101,5102,5103,5104 (PORT moves the service from 3000).`);
  process.exit(1);
};
// A second team's repository on a second GitHub server: the mobile project's defects go there (SYNC_CONFIG
// connections and routes), everyone else's to acme/shop, as the environment-only connection github.
const mobile = createGithubFake({ token: 'ghp_fake_mobile_token', repository: 'acme/mobile', collaborators: [ANA.github, BOB.github] });
await mobile.tracker.start(ports[3]).catch(portInUse);
const t = await startTrackers({
  ports: [ports[0], ports[1], ports[2]],
  repository: 'acme/shop',
  syncConfig: {
    connections: { 'mobile-github': { kind: 'github', repository: 'acme/mobile', apiUrl: mobile.tracker.baseUrl, token: '${MOBILE_GITHUB_TOKEN}' } },
    routes: [{ when: { project: ['mobile'] }, to: ['mobile-github', 'jira', 'asana'] }, { to: ['github', 'jira', 'asana'] }],
  },
}).catch(portInUse);
const { github, jira, asana } = t;

// The fakes start empty, so the demo's own database and queues start empty too.
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/defect_sync_demo';
const queuePrefix = process.env.QUEUE_PREFIX ?? 'defect-sync-demo';
if (!process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS defect_sync_demo WITH (FORCE)');
  await admin.end();
}
await deleteRedisPrefix({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, `${queuePrefix}:`);

// The service's address must be known before it starts: trackers post their webhooks to PUBLIC_URL.
const port = process.env.PORT && process.env.PORT !== '0' ? process.env.PORT : process.env.PORT === '0' ? String(await freePort()) : '3000';
const WEBHOOK_SECRETS = { github: 'demo-github-webhook-secret', jira: 'demo-jira-webhook-secret' };
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? 'demo-admin-token-0123456789';
const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, new URL('../src/main.ts', import.meta.url).pathname, 'all'], {
  env: {
    ...SERVICE_ENV,
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: queuePrefix,
    PORT: port,
    LOG_LEVEL: 'info', // the tour reads the start-up line; it prints warnings only
    SYNC_DEBOUNCE_MS: '500',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRETS.github,
    JIRA_WEBHOOK_SECRET: WEBHOOK_SECRETS.jira,
    ADMIN_TOKEN,
    // Step 8's hook receiver is on this machine: loopback is refused otherwise (SSRF guard).
    HOOKS_ALLOW_PRIVATE: 'true',
    MOBILE_GITHUB_TOKEN: mobile.token,
    ...t.env,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});

// However the demo ends, the service it started ends with it.
process.once('exit', () => child.kill('SIGTERM'));

// The service's own log lines are JSON; the tour shows warnings and the start-up line only.
let api = '';
const listening = new Promise<void>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening`)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { level: number; msg: string; port?: number };
      if (entry.msg === 'API listening') {
        api = `http://127.0.0.1:${entry.port}`;
        resolve();
      }
      // The loopback-only warning is expected here: the demo is all on this machine.
      if (entry.level >= 40 && !entry.msg.startsWith('API_TOKEN is not set')) console.log(`  [service] ${entry.msg} ${JSON.stringify(entry).slice(0, 300)}`);
    } catch {
      console.log(`  [service] ${line}`);
    }
  });
});

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json', 'x-actor': 'user:demo' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function settled(key: string, since: number): Promise<any[]> {
  for (let i = 0; i < 300; i++) {
    const links = (await call('GET', `/api/defects/${key}/links`)).data as any[];
    if (links.length === 3 && links.every((l) => l.syncState === 'synced' && Date.parse(l.lastSyncedAt) >= since)) return links;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${key} did not sync in 30 s`);
}

/**
 * As settled, and then until `followed` holds too: a sync after `since` may be one of an earlier change
 * that finished late (a poll, a retry), so "synced since" alone does not say the latest change arrived.
 */
async function settledUntil(key: string, since: number, followed: (links: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 300; i++) {
    const links = await settled(key, since);
    if (followed(links)) return links;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${key}'s tickets did not follow in 30 s`);
}

/** The Jira issue's status name, as a person sees it. */
function jiraStatusOf(links: any[]): string | undefined {
  const ji = jira.issue(links.find((l) => l.tracker === 'jira').remoteId) as any;
  return jira.state.statuses.find((s: { id: string }) => s.id === ji.statusId)?.name;
}

function show(links: any[]): void {
  const byTracker = Object.fromEntries(links.map((l) => [l.tracker, l]));
  const who = (id: string | null | undefined) => personFor(t, id);
  const gh = github.issue(Number(byTracker.github.remoteId)) as any;
  const ji = jira.issue(byTracker.jira.remoteId) as any;
  const jiStatus = jiraStatusOf(links);
  const task = asana.task(byTracker.asana.remoteId) as any;
  const sev = asana.severityField();
  const option = task.custom_fields?.find((f: any) => f.gid === sev.gid)?.enum_value?.gid;
  const taskSeverity = Object.entries(sev.options).find(([, g]) => g === option)?.[0] ?? '-';
  console.log(`  GitHub ${byTracker.github.key}: "${gh.title}" ${gh.state}${gh.state_reason ? `/${gh.state_reason}` : ''}, labels [${gh.labels.map((l: any) => l.name).join(', ')}], assignee ${who(gh.assignees[0]?.login)}`);
  console.log(`  Jira   ${byTracker.jira.key}: "${ji.summary}" ${jiStatus}, priority ${ji.priority}, assignee ${who(ji.assignee)}`);
  console.log(`  Asana  task ${byTracker.asana.key}: "${task.name}" ${task.completed ? 'completed' : 'not completed'}, Severity ${taskSeverity}, assignee ${who(task.assignee?.gid)}`);
}

const writes = () => [github.tracker.count('ticket.update'), jira.tracker.count('ticket.update') + jira.tracker.count('transition.do'), asana.tracker.count('ticket.update')];

async function tour(): Promise<void> {
  console.log(`\nDefect Sync demo: service ${api}; fake GitHub ${github.tracker.baseUrl}, Jira ${jira.tracker.baseUrl}, Asana ${asana.tracker.baseUrl}\n`);
  const launch = `demo-${new Date().toISOString().slice(0, 19)}`;

  console.log('1. A test fails; a defect is raised from the failed run, made high severity and assigned to Ana.');
  const run = await call('POST', '/api/case-runs', { launch, testCase: 'checkout › pays by card', status: 'failed', message: 'Timeout 5000ms exceeded waiting for #pay' });
  let defect = await call('POST', `/api/case-runs/${run.id}/defect`);
  let since = Date.now();
  defect = await call('PATCH', `/api/defects/${defect.key}`, { severity: 'high', assignee: 'ana@example.com', description: 'Paying by card never completes.' });
  show(await settled(defect.key, since));

  console.log(`\n2. Bob takes it (in progress), then resolves it.`);
  since = Date.now();
  await call('PATCH', `/api/defects/${defect.key}`, { status: 'in_progress', assignee: 'bob@example.com' });
  show(await settled(defect.key, since));
  since = Date.now();
  await call('PATCH', `/api/defects/${defect.key}`, { status: 'resolved' });
  show(await settled(defect.key, since));

  console.log('\n3. The nightly re-run fails again: the verification loop reopens the defect and its tickets.');
  since = Date.now();
  await call('POST', '/api/case-runs', { launch: `${launch}-rerun`, testCase: 'checkout › pays by card', status: 'failed', message: 'Timeout 5000ms exceeded waiting for #pay' });
  show(await settled(defect.key, since));
  console.log(`  defect status: ${(await call('GET', `/api/defects/${defect.key}`)).status}`);

  console.log('\n4. Bob fixes it again and closes the GitHub issue himself, in GitHub: the defect, Jira and Asana follow.');
  await call('PATCH', `/api/defects/${defect.key}`, { status: 'in_progress' });
  const open = await settled(defect.key, Date.now());
  since = Date.now();
  github.editByHand(Number(open.find((l) => l.tracker === 'github').remoteId), { state: 'closed', state_reason: 'completed' });
  for (let i = 0; i < 150 && (await call('GET', `/api/defects/${defect.key}`)).status !== 'resolved'; i++) await new Promise((r) => setTimeout(r, 100));
  const isCompleted = (links: any[]) => (asana.task(links.find((l) => l.tracker === 'asana').remoteId) as any).completed === true;
  show(await settledUntil(defect.key, since, (links) => jiraStatusOf(links) === 'Done' && isCompleted(links)));
  const history = (await call('GET', `/api/defects/${defect.key}`)).history as { from: string; to: string; actor: string }[];
  const last = history.at(-1)!;
  console.log(`  defect status: ${last.to} (moved from ${last.from} by ${last.actor}, from GitHub's signed webhook)`);

  console.log('\n5. Twenty quick title edits coalesce into a handful of tracker updates.');
  const before = writes();
  since = Date.now();
  for (let i = 1; i <= 20; i++) await call('PATCH', `/api/defects/${defect.key}`, { title: `Card payment times out (edit ${i})` });
  for (let i = 0; i < 100; i++) {
    if ((github.issue(Number((await settled(defect.key, since))[0].remoteId)) as any).title.endsWith('(edit 20)')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = writes();
  console.log(`  update calls for 20 edits: GitHub ${after[0]! - before[0]!}, Jira ${after[1]! - before[1]!}, Asana ${after[2]! - before[2]!}`);

  console.log('\n6. GitHub answers 429 Retry-After: 2 to the next create: the worker waits, then succeeds.');
  github.tracker.fail({ route: 'ticket.create', status: 429, headers: { 'retry-after': '2' } });
  since = Date.now();
  const second = await call('POST', '/api/defects', { title: 'Search shows stale prices', severity: 'medium' });
  const links = await settled(second.key, since);
  const gh = links.find((l) => l.tracker === 'github');
  console.log(`  ${second.key} synced to GitHub ${gh.key} after ${((Date.parse(gh.lastSyncedAt) - since) / 1000).toFixed(1)} s`);

  console.log('\n7. Two teams, two repositories: a failure in the mobile project raises a defect that goes to acme/mobile.');
  since = Date.now();
  const mobileRun = await call('POST', '/api/case-runs', { launch, project: 'mobile', testCase: 'login › remembers me', status: 'failed', message: 'expected toggle to be checked' });
  const mobileDefect = await call('POST', `/api/case-runs/${mobileRun.id}/defect`);
  for (const l of await settled(mobileDefect.key, since)) console.log(`  ${mobileDefect.key} (project ${mobileDefect.project}) → ${l.connection.padEnd(13)} ${l.key}`);
  console.log(`  acme/mobile holds ${mobile.issues().length} issue(s), acme/shop ${github.issues().length}: the shop's defects never reached the mobile team's repository`);

  console.log('\n8. A team\'s own workflow: an outgoing webhook hears of every new defect, signed (Standard Webhooks).');
  const receiver = await startHookReceiver('/defects');
  const { received } = receiver;
  const hookRes = await fetch(`${api}/admin/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ url: receiver.url, events: ['defect.created', 'defect.reopened'], description: 'demo receiver' }),
  });
  const hook = (await hookRes.json()) as { id: string; secret: string };
  if (hookRes.status !== 201) throw new Error(`POST /admin/hooks → ${hookRes.status} ${JSON.stringify(hook)}`);
  const third = await call('POST', '/api/defects', { title: 'Coupon field rejects lower case', severity: 'low' });
  for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await receiver.close();
  const got = received[0];
  if (!got) throw new Error('the hook delivery did not arrive in 10 s');
  const [id, ts] = [String(got.headers['webhook-id']), Number(got.headers['webhook-timestamp'])];
  const verified = String(got.headers['webhook-signature']).split(' ').includes(signatureHeader([hook.secret], id, ts, got.body));
  const event = JSON.parse(got.body) as { type: string; data: { key: string } };
  console.log(`  hook received ${event.type} for ${event.data.key} (created ${third.key}), webhook-id ${id}, signature ${verified ? 'verified' : 'NOT verified'}`);

  console.log('\n9. Failure triage: another mobile test fails the same way in the next launch; its signature links it to the defect.');
  const again = await call('POST', '/api/case-runs', { launch: `${launch}-n2`, project: 'mobile', testCase: 'login › keeps me signed in', status: 'failed', message: 'expected toggle to be checked' });
  const linked = await call('GET', `/api/defects/${mobileDefect.key}`);
  console.log(`  second failure (${again.testCase}) auto-linked to ${again.triage?.defect ?? 'nothing'} by ${again.triage?.by ?? '-'} ${again.signature}: "${again.signatureText}"`);
  console.log(`  ${linked.key} now has ${linked.caseRunCount} failed runs; history: ${linked.history.at(-1).actor} — ${linked.history.at(-1).note}`);
}

type SyncStatus = {
  connections: { connection: string; tracker: string; health: string; links: Record<string, number>; conflicts24h: number; webhooks24h: Record<string, number>; queue: Record<string, number> }[];
  outbox: { unpublished: number };
};

/** The admin view of the same loop: each connection's health at a glance, and where the dashboard is. */
async function summary(): Promise<void> {
  const read = async (): Promise<SyncStatus> => {
    const res = await fetch(`${api}/admin/sync-status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!res.ok) throw new Error(`GET /admin/sync-status → ${res.status}`);
    return (await res.json()) as SyncStatus;
  };
  // The last steps' tickets (the hook's defect, say) are still inside their debounce: show the settled state,
  // waiting at most 15 s (after that, what is still pending is shown as pending).
  let status = await read();
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && status.connections.some((c) => (c.links.pending ?? 0) > 0); ) {
    await new Promise((r) => setTimeout(r, 250));
    status = await read();
  }
  console.log('\nSync status (GET /admin/sync-status):');
  const names = status.connections.map((t) => (t.connection === t.tracker ? t.connection : `${t.connection} (${t.tracker})`));
  const width = Math.max(...names.map((n) => n.length));
  for (const [i, t] of status.connections.entries()) {
    const links = Object.entries(t.links).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ') || 'none';
    console.log(`  ${names[i]!.padEnd(width)} ${t.health.padEnd(5)} links: ${links}; webhooks 24 h: ${t.webhooks24h.accepted ?? 0} accepted; conflicts 24 h: ${t.conflicts24h}; queue: ${t.queue.waiting ?? 0} waiting, ${t.queue.delayed ?? 0} delayed`);
  }
  console.log(`  outbox backlog: ${status.outbox.unpublished}`);
  console.log(`\nDashboard: ${api}/admin (sign in with the admin token ${process.env.ADMIN_TOKEN ? 'from ADMIN_TOKEN' : `"${ADMIN_TOKEN}"`})`);
}

const stopAll = async (code: number) => {
  await mobile.tracker.stop().catch(() => undefined);
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  await t.stop();
  process.exit(code);
};

try {
  await listening;
  // People's edits in the fakes reach the service as signed webhooks (Asana's is registered by the service).
  t.sendWebhooksTo(api, WEBHOOK_SECRETS);
  await tour();
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await stopAll(1);
}
try {
  await summary();
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await stopAll(1);
}
if (once) {
  console.log('\nTour complete.');
  await stopAll(0);
} else {
  console.log(`\nThe service keeps running at ${api} against the fakes (try: curl -s ${api}/api/defects | head -c 400). Ctrl-C stops it.`);
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
}
