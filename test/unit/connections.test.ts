// SYNC_CONFIG `connections` and `routes`: parsing, ${VAR} references, the checks that stop the start
// (naming the path and the offender, never a secret), the environment-only connections, and routing.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { parseSyncConfig } from '../../src/sync/sync-config.ts';
import { resolveConnections, targetKey } from '../../src/sync/connections.ts';
import { routeDefect } from '../../src/sync/routes.ts';
import { substituteEnv } from '../../src/sync/env-refs.ts';
import { lockPoolSize } from '../../src/sync/start-sync.ts';
import { buildConnectors, peopleOf } from '../../src/sync/connectors.ts';

const ENV = {
  GITHUB_TOKEN: 'ghp_secret_value_shop_0123456789',
  GH_HOOK_SECRET: 'gh-hook-secret-0123456789abcdef',
  JIRA_TOKEN: 'jira-secret-token-value-0123456789',
  ASANA_TOKEN: 'asana-secret-token-value-0123456789',
  GH_APP_KEY: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n',
};

const EXAMPLE = `
github:
  severityLabels: { critical: "sev: critical" }
connections:
  shop-github:   { kind: github, repository: acme/shop, token: "\${GITHUB_TOKEN}", webhookSecret: "\${GH_HOOK_SECRET}" }
  mobile-github: { kind: github, repository: acme/mobile, apiUrl: "https://ghe.acme.test/api/v3/",
                   app: { appId: 12345, privateKey: "\${GH_APP_KEY}", installationId: 678 },
                   github: { severityLabels: { high: "P1" } } }
  qa-jira:       { kind: jira, baseUrl: "https://acme.atlassian.net", email: bot@acme.com, apiToken: "\${JIRA_TOKEN}",
                   project: QA, issueType: Bug, createFields: { components: [{ name: Web }] } }
  oncall-asana:  { kind: asana, token: "\${ASANA_TOKEN}", workspace: "1200000000000001", project: "1200000000000002" }
routes:
  - when: { project: [mobile] }
    to: [mobile-github, qa-jira]
  - when: { severity: [critical] }
    to: [shop-github, qa-jira, oncall-asana]
  - when: { tags: [payments] }
    to: [shop-github, qa-jira]
  - to: [shop-github]
`;

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};
const noEnvTrackers = loadConfig({});

describe('SYNC_CONFIG connections', () => {
  it('parses the documented example: variables replaced, mapping blocks merged over the file-wide one, apiUrl normalised', () => {
    const sync = parseSyncConfig(EXAMPLE, 'SYNC_CONFIG', ENV);
    const byName = Object.fromEntries(sync.connections.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(['shop-github', 'mobile-github', 'qa-jira', 'oncall-asana']);
    expect(byName['shop-github']).toMatchObject({ kind: 'github', settings: { repository: 'acme/shop', token: ENV.GITHUB_TOKEN, apiUrl: 'https://api.github.com' }, webhookSecrets: [ENV.GH_HOOK_SECRET] });
    expect(byName['mobile-github']).toMatchObject({ settings: { apiUrl: 'https://ghe.acme.test/api/v3', app: { appId: 12345, installationId: 678, privateKey: ENV.GH_APP_KEY } } });
    // The connection's own block overrides one label and keeps the file's other changes and defaults.
    const mobileLabels = (byName['mobile-github']!.mapping as { severityLabels: Record<string, string> }).severityLabels;
    expect(mobileLabels).toMatchObject({ critical: 'sev: critical', high: 'P1', medium: 'severity: medium' });
    expect((byName['shop-github']!.mapping as { severityLabels: Record<string, string> }).severityLabels.high).toBe('severity: high');
    expect(byName['qa-jira']).toMatchObject({ settings: { projectKey: 'QA', createFields: { components: [{ name: 'Web' }] } } });
    expect(byName['oncall-asana']).toMatchObject({ settings: { workspaceGid: '1200000000000001', projectGid: '1200000000000002' } });
    expect(resolveConnections(noEnvTrackers, sync).map((c) => c.name)).toHaveLength(4);
  });

  it('stops on an unset variable, naming the path and the variable and no value', () => {
    const { GITHUB_TOKEN: _, ...env } = ENV;
    const problems = problemsOf(() => parseSyncConfig(EXAMPLE, 'SYNC_CONFIG', env));
    expect(problems).toEqual(['SYNC_CONFIG connections.shop-github.token: environment variable GITHUB_TOKEN is not set']);
  });

  it('stops on an unknown connection in a route, naming the route and the name', () => {
    const sync = parseSyncConfig(EXAMPLE.replace('to: [shop-github]', 'to: [shop-gihub]'), 'SYNC_CONFIG', ENV);
    const problems = problemsOf(() => resolveConnections(noEnvTrackers, sync));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SYNC_CONFIG routes\.3\.to: unknown connection "shop-gihub" \(configured: shop-github, mobile-github, qa-jira, oncall-asana\)$/);
  });

  it('stops on two connections of one target, even spelled differently', () => {
    const twice = EXAMPLE.replace('routes:', '  shop-again: { kind: github, repository: ACME/Shop, apiUrl: "https://api.github.com/", token: x }\nroutes:');
    const problems = problemsOf(() => resolveConnections(noEnvTrackers, parseSyncConfig(twice, 'SYNC_CONFIG', ENV)));
    expect(problems).toEqual([expect.stringMatching(/^SYNC_CONFIG connections\.shop-again: points at the same github target as SYNC_CONFIG connections\.shop-github/)]);
  });

  it.each([
    ['a bad name', EXAMPLE.replace('oncall-asana:', 'OnCall_Asana:'), /connections\.OnCall_Asana: a connection name must be 1 to 40 of a-z/],
    ['an unknown kind', EXAMPLE.replace('kind: asana', 'kind: linear'), /connections\.oncall-asana\.kind: kind must be one of github, jira, asana/],
    ['token and app both', EXAMPLE.replace('installationId: 678 }', 'installationId: 678 }, token: abc'), /connections\.mobile-github\.token: needs exactly one of token and app/],
    ['an unknown setting', EXAMPLE.replace('issueType: Bug', 'issueTyp: Bug'), /connections\.qa-jira\.issueTyp: is not a known setting/],
    ['a bad mapping override', EXAMPLE.replace('high: "P1"', 'high: ""'), /connections\.mobile-github\.github\.severityLabels\.high/],
    ['a route to no connection', EXAMPLE.replace('to: [shop-github]\n', 'to: []\n'), /routes\.3\.to: must name at least one connection/],
    ['a bad project in a route', EXAMPLE.replace('project: [mobile]', 'project: ["mo bile"]'), /routes\.0\.when\.project\.0: must be 1 to 100 of/],
    ['a short webhook secret', EXAMPLE.replace('webhookSecret: "${GH_HOOK_SECRET}"', 'webhookSecret: short'), /connections\.shop-github\.webhookSecret: each secret must be at least 16 characters/],
    ['a reference with a default', EXAMPLE.replace('"${GH_HOOK_SECRET}"', '"${GH_HOOK_SECRET:-changeme-please-1234}"'), /connections\.shop-github\.webhookSecret: \$\{GH_HOOK_SECRET:-changeme-please-1234\} is not a reference this file expands/],
    ['a credential in a URL', EXAMPLE.replace('apiUrl: "https://ghe.acme.test/api/v3/"', 'apiUrl: "https://bot:hunter2@ghe.acme.test/api/v3/"'), /connections\.mobile-github\.apiUrl: must not carry a user name or password/],
    ['an empty list of routes', EXAMPLE.slice(0, EXAMPLE.indexOf('routes:')) + 'routes: []\n', /routes: must hold at least one route/],
    ['a badly spelled route target', EXAMPLE.replace('to: [shop-github]\n', 'to: [Shop-GitHub]\n'), /routes\.3\.to\.0: "Shop-GitHub": a connection name must be/],
  ])('stops on %s, naming the path', (_what, text, message) => {
    const problems = problemsOf(() => parseSyncConfig(text, 'SYNC_CONFIG', ENV));
    expect(problems.join('\n')).toMatch(message);
  });

  it('never prints a secret in a problem', () => {
    const bad = EXAMPLE.replace('project: QA', 'project: qa').replace('workspace: "1200000000000001"', 'workspace: "\${ASANA_TOKEN}"').replace('https://ghe.acme.test', 'https://x:${GITHUB_TOKEN}@ghe.acme.test');
    const text = problemsOf(() => parseSyncConfig(bad, 'SYNC_CONFIG', ENV)).join('\n');
    expect(text).toContain('connections.qa-jira.project');
    expect(text).toContain('connections.oncall-asana.workspace');
    expect(text).toContain('connections.mobile-github.apiUrl');
    for (const secret of Object.values(ENV)) expect(text).not.toContain(secret);
  });
});

describe('the environment-only connections', () => {
  const env = { GITHUB_TOKEN: 'ghp_x', GITHUB_REPOSITORY: 'acme/app', GITHUB_WEBHOOK_SECRET: 'gh-hook-secret-0123456789', ASANA_TOKEN: 't', ASANA_WORKSPACE_GID: '1', ASANA_PROJECT_GID: '2' };

  it('are named after their kind, with the variables’ secrets; no routes means every connection', () => {
    const connections = resolveConnections(loadConfig(env), parseSyncConfig('{}'));
    expect(connections.map((c) => [c.name, c.kind, c.webhookSecrets])).toEqual([
      ['github', 'github', ['gh-hook-secret-0123456789']],
      ['asana', 'asana', []],
    ]);
    expect(routeDefect({ project: null, severity: 'low', tags: [] }, undefined, ['github', 'asana'])).toEqual(['github', 'asana']);
  });

  it('and a file connection of the same name are refused together: neither the token nor the secret is dropped silently', () => {
    const file = parseSyncConfig('connections:\n  github: { kind: github, repository: acme/other, token: abc }\n');
    expect(problemsOf(() => resolveConnections(loadConfig(env), file))).toEqual(['SYNC_CONFIG connections.github: is also defined by the GITHUB_* variables; remove one of the two (or rename the file\'s)']);
    // A webhook secret alone in the environment would be dropped just the same.
    expect(problemsOf(() => resolveConnections(loadConfig({ GITHUB_WEBHOOK_SECRET: 'gh-hook-secret-0123456789' }), file))).toHaveLength(1);
    // Without any GITHUB_* variable, the file may use the name.
    expect(resolveConnections(loadConfig({}), file).map((c) => [c.name, c.source, targetKey(c)])).toEqual([['github', 'file', 'https://api.github.com/repos/acme/other']]);
  });

  it('name the environment in a duplicate-target message', () => {
    const file = parseSyncConfig('connections:\n  shop: { kind: github, repository: ACME/App, token: abc }\n');
    expect(problemsOf(() => resolveConnections(loadConfig(env), file))).toEqual([
      'SYNC_CONFIG connections.shop: points at the same github target as connection github (the GITHUB_* variables) (https://api.github.com/repos/acme/app); one connection per target',
    ]);
  });
});

describe('routing', () => {
  const routes = parseSyncConfig(EXAMPLE, 'SYNC_CONFIG', ENV).routes;
  const all = ['shop-github', 'mobile-github', 'qa-jira', 'oncall-asana'];
  it.each([
    [{ project: 'mobile', severity: 'critical', tags: ['payments'] }, ['mobile-github', 'qa-jira']],
    [{ project: 'shop', severity: 'critical', tags: [] }, ['shop-github', 'qa-jira', 'oncall-asana']],
    [{ project: null, severity: 'high', tags: ['ui', 'payments'] }, ['shop-github', 'qa-jira']],
    [{ project: null, severity: 'low', tags: ['ui'] }, ['shop-github']],
    [{ project: 'Mobile', severity: 'low', tags: [] }, ['shop-github']],
  ] as const)('routes %j to %j (the first route that holds decides)', (defect, expected) => {
    expect(routeDefect({ ...defect, tags: [...defect.tags] }, routes, all)).toEqual(expected);
  });

  it('routes nowhere when no route holds', () => {
    const only = parseSyncConfig('connections:\n  a: { kind: github, repository: a/b, token: x }\nroutes:\n  - when: { tags: [x] }\n    to: [a]\n').routes;
    expect(routeDefect({ project: null, severity: 'low', tags: [] }, only, ['a'])).toEqual([]);
  });
});

describe('${VAR} references', () => {
  it('replaces every reference in every string, and lists the unset ones with their paths', () => {
    const out = substituteEnv({ a: 'x-${A}-${B}', list: ['${A}', 3, null], deep: { b: '${MISSING}' } }, { A: '1', B: '2' });
    expect(out.value).toEqual({ a: 'x-1-2', list: ['1', 3, null], deep: { b: '' } });
    expect(out.missing).toEqual([{ path: 'deep.b', variable: 'MISSING' }]);
  });
  it('leaves text that is not a reference alone', () => {
    expect(substituteEnv('$A {B} $${', {}).value).toBe('$A {B} $${');
  });
});

describe('the sync-lock pool', () => {
  it.each([
    [5, 3, 20, 16], // the environment-only three at the default concurrency: one per job, plus one
    [5, 50, 20, 21], // fifty connections: capped, not 251
    [1, 1, 20, 2],
    [10, 5, 100, 51],
  ])('concurrency %i × %i connections, cap %i: %i database connections', (concurrency, connections, cap, expected) => {
    expect(lockPoolSize(concurrency, connections, cap)).toBe(expected);
  });
});

describe('people per connection', () => {
  const FILE = `
people:
  - { email: ann@acme.test, github: ann-gh, accounts: { mobile-github: ann-corp, oncall-asana: "1300000000000009" } }
  - { email: bob@acme.test, github: bob-gh }
connections:
  shop-github:   { kind: github, repository: acme/shop, token: "\${GITHUB_TOKEN}" }
  mobile-github: { kind: github, repository: acme/mobile, apiUrl: "https://ghe.acme.test/api/v3", token: "\${GITHUB_TOKEN}" }
  oncall-asana:  { kind: asana, token: "\${ASANA_TOKEN}", workspace: "1200000000000001", project: "1200000000000002" }
`;
  it('a person\'s account on one connection overrides their account of its kind there, and only there', async () => {
    const sync = parseSyncConfig(FILE, 'SYNC_CONFIG', ENV);
    const connectors = await buildConnectors(resolveConnections(noEnvTrackers, sync), sync, 1000);
    const fields = { title: 't', description: '', severity: 'high' as const, status: 'open' as const, milestone: null, tags: [] as string[] };
    // canonical() folds an assignee the connection cannot name into nobody: it shows who maps where.
    const assigneeOn = (name: string, email: string) => connectors.get(name)!.canonical({ ...fields, assignee: email }).assignee;
    expect(assigneeOn('shop-github', 'ann@acme.test')).toBe('ann@acme.test');
    expect(assigneeOn('mobile-github', 'ann@acme.test')).toBe('ann@acme.test');
    expect(assigneeOn('oncall-asana', 'ann@acme.test')).toBe('ann@acme.test');
    expect(assigneeOn('oncall-asana', 'bob@acme.test')).toBeNull();
    expect(peopleOf(sync, 'mobile-github', 'github').toRemote('github', 'ann@acme.test')).toBe('ann-corp');
    expect(peopleOf(sync, 'shop-github', 'github').toRemote('github', 'ann@acme.test')).toBe('ann-gh');
    expect(peopleOf(sync, 'mobile-github', 'github').fromRemote('github', 'ann-corp')).toBe('ann@acme.test');
    // The kind-wide login does not name Ann where the connection has her own account.
    expect(peopleOf(sync, 'mobile-github', 'github').fromRemote('github', 'ann-gh')).toBeNull();
    expect(peopleOf(sync, 'shop-github', 'github').fromRemote('github', 'ann-corp')).toBeNull();
    expect(peopleOf(sync, 'mobile-github', 'github').toRemote('github', 'bob@acme.test')).toBe('bob-gh');
  });

  it('stops on an account for a connection that is not configured, or one its kind cannot hold, naming the person and the connection', () => {
    const bad = FILE.replace('oncall-asana: "1300000000000009"', 'oncall-asana: ann, nope-jira: x');
    const problems = problemsOf(() => resolveConnections(noEnvTrackers, parseSyncConfig(bad, 'SYNC_CONFIG', ENV)));
    expect(problems).toEqual([
      expect.stringMatching(/people\.0\.accounts\.oncall-asana: .*Asana user gid/),
      expect.stringMatching(/people\.0\.accounts\.nope-jira: .*no connection named nope-jira/),
    ]);
  });
});
