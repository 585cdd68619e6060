// The README's first command: the demo runs the real service against the fake trackers and walks
// the whole loop. `--once` makes it exit when the tour is done.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl } from './helpers/context.ts';

let group: number | undefined;
const demoDatabase = `${databaseUrl}_demo`;
afterAll(async () => {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(new URL(demoDatabase).pathname.slice(1))} WITH (FORCE)`);
  await admin.end();
});
// Should the tour hang, the demo and the service it started go with the test (one process group).
afterAll(() => {
  if (group) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm run demo', () => {
  it('walks the loop against the fake trackers and exits cleanly', async () => {
    const child = spawn(process.execPath, [new URL('../scripts/demo.ts', import.meta.url).pathname, '--once'], {
      detached: true,
      // A database of its own: the run's shared one holds other files' links, which the demo's reconciler
      // would sync against the demo's fakes (whose ticket numbers coincide), adding calls to its counts.
      env: { ...process.env, DATABASE_URL: demoDatabase, REDIS_URL: redisUrl, QUEUE_PREFIX: `${queuePrefix}-demo`, PORT: '0', DEMO_PORTS: '0,0,0,0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    group = child.pid;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/GitHub acme\/shop#\d+: ".*" open, labels \[severity: high\], assignee Ana/);
    expect(out).toMatch(/Jira {3}QA-\d+: ".*" Done, priority High, assignee Bob/);
    expect(out).toContain('defect status: reopened');
    // A person closes the GitHub issue: the defect and the other trackers follow, through the signed webhook.
    expect(out).toContain('defect status: resolved (moved from in_progress by tracker:github');
    const step4 = out.slice(out.indexOf('\n4. '), out.indexOf('\n5. '));
    expect(step4).toMatch(/GitHub acme\/shop#\d+: ".*" closed\/completed/);
    expect(step4).toMatch(/Jira {3}QA-\d+: ".*" Done/);
    expect(step4).toMatch(/Asana {2}task \d+: ".*" completed/);
    expect(out).toMatch(/update calls for 20 edits: GitHub [1-5], Jira [1-5], Asana [1-5]/);
    // Step 7: the mobile project's defect in acme/mobile (the routes), not in acme/shop.
    const step7 = out.slice(out.indexOf('\n7. '), out.indexOf('\n8. '));
    expect(step7).toMatch(/DEF-\d+ \(project mobile\) → mobile-github +acme\/mobile#1/);
    expect(step7).toMatch(/→ jira +QA-\d+/);
    expect(step7).toContain('acme/mobile holds 1 issue(s), acme/shop 2');
    // Step 8: an outgoing webhook delivered and its signature checked.
    expect(out).toMatch(/hook received defect\.created for (DEF-\d+) \(created \1\), webhook-id msg_[0-9a-f]{32}, signature verified/);
    // Step 9: a second failure of the same signature, in another test case, is linked automatically.
    const step9 = out.slice(out.indexOf('\n9. '), out.indexOf('Sync status'));
    expect(step9).toMatch(/second failure \(login › keeps me signed in\) auto-linked to (DEF-\d+) by signature [0-9a-f]{16}/);
    expect(step9).toMatch(/DEF-\d+ now has 2 failed runs; history: triage — linked run/);
    expect(out).toContain('Sync status (GET /admin/sync-status):');
    expect(out).toMatch(/^ {2}github +green +links: \d+ synced/m);
    expect(out).toMatch(/ {2}mobile-github \(github\) green +links: 1 synced/);
    expect(out).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/admin/);
    expect(out).toContain('Tour complete.');
  }, 90_000);
});
