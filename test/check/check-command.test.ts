// `npm run check` (node src/main.ts check) as an operator runs it, in a child process against the fake
// trackers, configured through SYNC_CONFIG connections with ${VAR} references and routes: a good set-up
// exits 0; a refused token, a missing project and an issue type requiring a field exit 1 with the problem
// and its fix on the connection's line; no credential is ever printed; a configuration the service would
// refuse still exits 2.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackers, type Trackers } from '../../fakes/index.ts';
import { databaseUrl } from '../helpers/context.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const HOOK_SECRET = 'shop-hook-secret-0123456789';
const QA_HOOK_SECRET = 'qa-jira-hook-secret-0123456789';
const WRONG_TOKEN = 'ghp_wrong_token_never_print_me';
let t: Trackers;

beforeAll(async () => {
  t = await startTrackers();
  t.jira.state.projects.add('OPS');
  t.jira.requireField('OPS', 'Bug', { fieldId: 'customfield_10042', name: 'Team' });
  // The GitHub webhook the operator set up for the connection shop-github.
  t.github.webhooks.target = 'https://defects.example.com/webhooks/github/shop-github';
});
afterAll(() => t?.stop());

const configFile = (connections: Record<string, unknown>, routes?: unknown[]) => t.syncConfigFile({ connections, ...(routes && { routes }) });

function check(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // Only what the command needs: no tracker variable of this process leaks in.
    const child = spawn(process.execPath, [MAIN, 'check'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://defects.example.com', SYNC_TIMEOUT_MS: '5000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const lineOf = (out: string, connection: string) => out.split('\n').find((l) => new RegExp(`^. ${connection} \\(`).test(l)) ?? '';
const secrets = () => [t.github.token, t.jira.apiToken, t.env.ASANA_TOKEN!, HOOK_SECRET, QA_HOOK_SECRET, WRONG_TOKEN, Buffer.from(`${t.jira.email}:${t.jira.apiToken}`).toString('base64')];

describe('npm run check', () => {
  it('passes a good configuration (exit 0): one line per connection, none an error, no secret printed', async () => {
    const config = configFile(
      {
        'shop-github': { kind: 'github', repository: 'acme/app', apiUrl: t.env.GITHUB_API_URL, token: '${SHOP_TOKEN}', webhookSecret: '${SHOP_HOOK}' },
        'qa-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: '${JIRA_TOKEN}', project: 'QA', webhookSecret: '${QA_HOOK}' },
        // A name no other file registers Asana webhooks under (registrations live in the run's shared database).
        'check-asana': { kind: 'asana', token: '${ONCALL_ASANA_TOKEN}', workspace: t.env.ASANA_WORKSPACE_GID, project: t.env.ASANA_PROJECT_GID, apiUrl: t.env.ASANA_API_URL },
      },
      [{ when: { severity: ['critical'] }, to: ['shop-github', 'qa-jira', 'check-asana'] }, { to: ['shop-github'] }],
    );
    const { code, out } = await check({ SYNC_CONFIG: config, SHOP_TOKEN: t.github.token, SHOP_HOOK: HOOK_SECRET, JIRA_TOKEN: t.jira.apiToken, QA_HOOK: QA_HOOK_SECRET, ONCALL_ASANA_TOKEN: t.env.ASANA_TOKEN! });
    if (process.env.SHOW_CHECK) console.log(out);
    expect(code, out).toBe(0);
    expect(lineOf(out, 'shop-github')).toBe('✓ shop-github (github acme/app): ok');
    expect(out).toContain('✓ webhook posts Issues events to https://defects.example.com/webhooks/github/shop-github');
    // Jira's webhooks cannot be read with an API token: a warning, never an error.
    expect(lineOf(out, 'qa-jira')).toMatch(/^! qa-jira \(jira QA\): webhook: cannot verify/);
    expect(out).toContain('✓ create screen of QA Bug: every required field has a value');
    expect(lineOf(out, 'check-asana')).toMatch(/^! check-asana \(asana project \d+\): no active webhook registration/);
    expect(out).toContain('✓ severity field found with every mapped option');
    expect(out).not.toMatch(/^✗/m);
    for (const s of secrets()) expect(out).not.toContain(s);
  });

  it('fails on a refused token, a missing project and a required field with no value (exit 1), each line naming the problem and the fix', async () => {
    const config = configFile({
      'bad-github': { kind: 'github', repository: 'acme/app', apiUrl: t.env.GITHUB_API_URL, token: WRONG_TOKEN },
      'nope-github': { kind: 'github', repository: 'acme/nope', apiUrl: t.env.GITHUB_API_URL, token: t.github.token },
      'nope-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: t.jira.apiToken, project: 'NOPE' },
      'ops-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: t.jira.apiToken, project: 'OPS' },
      'qa-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: t.jira.apiToken, project: 'QA' },
    });
    const { code, out } = await check({ SYNC_CONFIG: config });
    if (process.env.SHOW_CHECK) console.log(out);
    expect(code, out).toBe(1);
    expect(lineOf(out, 'bad-github')).toMatch(/^✗ bad-github \(github acme\/app\): credentials refused: github answered 401: Bad credentials.* — fix: give the connection a valid token/);
    expect(lineOf(out, 'nope-github')).toMatch(/^✗ nope-github \(github acme\/nope\): repository acme\/nope not readable: github answered 404.* — fix: check the repository name/);
    expect(lineOf(out, 'nope-jira')).toMatch(/^✗ nope-jira \(jira NOPE\): project NOPE not found, or the account cannot browse it: .*No project could be found with key 'NOPE'.* — fix: check the connection's project key/);
    expect(lineOf(out, 'ops-jira')).toBe(
      '✗ ops-jira (jira OPS): required fields with no value: customfield_10042 (Team) — fix: give each a value in createFields of connection ops-jira in SYNC_CONFIG (e.g. createFields: { customfield_10042: … }), or a default value in Jira',
    );
    // The other connections of the same site are unaffected.
    expect(lineOf(out, 'qa-jira')).toMatch(/^! qa-jira/);
    expect(out).toContain('4 of 5 connection(s) will fail');
    for (const s of secrets()) expect(out).not.toContain(s);
  });

  it('passes once createFields gives the required field a value', async () => {
    const config = configFile({
      'ops-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: t.jira.apiToken, project: 'OPS', createFields: { customfield_10042: { value: 'Web' } } },
    });
    const { code, out } = await check({ SYNC_CONFIG: config });
    expect(code, out).toBe(0);
    expect(out).toContain('✓ create screen of OPS Bug: every required field has a value');
  });

  it('still exits 2 on a configuration the service would refuse', async () => {
    const config = configFile({ 'qa-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: '${UNSET_TOKEN}', project: 'QA' } });
    const { code, out } = await check({ SYNC_CONFIG: config });
    expect(code).toBe(2);
    expect(out).toMatch(/environment variable UNSET_TOKEN is not set/);
  });

  it('verifies the Jira webhook when the account may list the admin webhooks', async () => {
    t.jira.state.siteAdmin = true;
    t.jira.webhooks.target = 'https://defects.example.com/webhooks/jira/admin-jira';
    try {
      const config = configFile({ 'admin-jira': { kind: 'jira', baseUrl: t.env.JIRA_BASE_URL, email: t.env.JIRA_EMAIL, apiToken: t.jira.apiToken, project: 'QA', webhookSecret: QA_HOOK_SECRET } });
      const { code, out } = await check({ SYNC_CONFIG: config });
      expect(code, out).toBe(0);
      expect(lineOf(out, 'admin-jira')).toBe('✓ admin-jira (jira QA): ok');
      expect(out).toContain('✓ webhook posts Issue updated and deleted events to https://defects.example.com/webhooks/jira/admin-jira');
    } finally {
      t.jira.state.siteAdmin = false;
      t.jira.webhooks.target = undefined;
    }
  });
});
