// A kind's connector and SDK load only when a connection of that kind is configured (src/sync/connectors.ts):
// jira.js and asana are most of the service's resident memory, and a GitHub-only deployment carries neither;
// of jira.js, only the API groups the connector calls load.
// Each case runs in a fresh node process that records every module it resolves.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).href;
const SCRIPT = `
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.add(r.url); return r; } });
const { loadConfig } = await import(new URL('src/config.ts', process.env.ROOT));
const { loadSyncConfig } = await import(new URL('src/sync/sync-config.ts', process.env.ROOT));
const { resolveConnections } = await import(new URL('src/sync/connections.ts', process.env.ROOT));
const { buildConnectors, buildWebhookRegistrars } = await import(new URL('src/sync/connectors.ts', process.env.ROOT));
const config = loadConfig(process.env);
const connections = resolveConnections(config, loadSyncConfig(config.syncConfigPath, process.env));
await buildConnectors(connections, { people: [] }, 1000);
await buildWebhookRegistrars(connections, 1000);
const sdks = ['@octokit/rest', 'jira.js', 'asana'].filter((p) => [...loaded].some((u) => u.includes('/node_modules/' + p + '/')));
// jira.js's ninety API groups: the connector loads six (connectors/jira/sdk.ts).
const jiraGroups = [...loaded].filter((u) => u.includes('/node_modules/jira.js/dist/cloud/api/')).length;
console.log(JSON.stringify({ sdks, jiraGroups }));
`;

function loadedWith(env: Record<string, string>): { sdks: string[]; jiraGroups: number } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ROOT, DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/unused', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { sdks: string[]; jiraGroups: number };
}

const GITHUB = { GITHUB_TOKEN: 'ghp_lazy', GITHUB_REPOSITORY: 'acme/shop' };
const JIRA = { JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_EMAIL: 'qa@acme.test', JIRA_API_TOKEN: 'jira-token', JIRA_PROJECT_KEY: 'QA' };
const ASANA = { ASANA_TOKEN: 'asana-token', ASANA_WORKSPACE_GID: '1200000000000001', ASANA_PROJECT_GID: '1200000000000002' };

describe('SDKs load with their connections', () => {
  it('GitHub alone: Octokit, and neither jira.js nor asana', () => {
    expect(loadedWith(GITHUB).sdks).toEqual(['@octokit/rest']);
  });

  it("all three kinds: all three SDKs, and of jira.js's API groups only the six the connector calls", () => {
    const loaded = loadedWith({ ...GITHUB, ...JIRA, ...ASANA });
    expect(loaded.sdks).toEqual(['@octokit/rest', 'jira.js', 'asana']);
    // Each group module brings its own imports (jira.js's shared api.js among them); createCloudClient would load about ninety.
    expect(loaded.jiraGroups).toBeGreaterThanOrEqual(6);
    expect(loaded.jiraGroups).toBeLessThan(15);
  });
});

describe('the queue board', () => {
  it('does not load with the HTTP app: @bull-board comes with the first request to /admin/queues', () => {
    const script = `
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.add(r.url); return r; } });
await import(new URL('src/http/app.ts', process.env.ROOT));
console.log(JSON.stringify([...loaded].some((u) => u.includes('/node_modules/@bull-board/'))));
`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ROOT }, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toBe(false);
  });
});
