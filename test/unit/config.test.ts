import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/defect_sync',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 3000,
      queuePrefix: 'defect-sync',
      logLevel: 'info',
      adminToken: undefined,
    });
  });

  it('reports every problem, one line each, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'localhost', QUEUE_PREFIX: 'a:b', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'REDIS_URL', 'QUEUE_PREFIX', 'LOG_LEVEL', 'ADMIN_TOKEN']) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('takes a queue prefix in one Redis Cluster hash tag, and nothing half-tagged', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{defect-sync}' }).queuePrefix).toBe('{defect-sync}');
    for (const bad of ['{defect-sync', 'a{b}', '{a}{b}', '{}']) expect(() => loadConfig({ QUEUE_PREFIX: bad }), bad).toThrow(/QUEUE_PREFIX/);
  });

  it('reads REDIS_CLUSTER_NODES as host:port entries, refusing anything else by name', () => {
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000,redis-b.internal:7001,[fd00::1]:7002,', QUEUE_PREFIX: '{ds}' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: 'fd00::1', port: 7002 },
    ]);
    for (const bad of ['10.0.0.1', 'redis://10.0.0.1:7000', '10.0.0.1:0', '10.0.0.1:70000', 'host:port']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: `10.0.0.2:7000,${bad}`, QUEUE_PREFIX: '{ds}' }), bad).toThrow(/REDIS_CLUSTER_NODES: each entry must be host:port/);
    }
  });

  it('refuses a QUEUE_PREFIX that is not one hash tag while REDIS_CLUSTER_NODES is set, naming the rule', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    // Unset, the prefix is the default defect-sync: refused too, with the tagged form to use.
    for (const prefix of [undefined, 'defect-sync', 'team_a']) {
      const found = problems({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', ...(prefix && { QUEUE_PREFIX: prefix }) });
      expect(found, prefix).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^QUEUE_PREFIX: must be one hash tag such as \\{${prefix ?? 'defect-sync'}\\} while REDIS_CLUSTER_NODES is set`));
      expect(found[0]).toContain('only the part in {braces} picks the slot');
    }
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: '{defect-sync}' }).queuePrefix).toBe('{defect-sync}');
    // A single node takes either form.
    expect(loadConfig({ QUEUE_PREFIX: 'defect-sync' }).redisClusterNodes).toBeUndefined();
  });

  it('reads API_TOKEN as a comma-separated list of tokens of at least 16 characters', () => {
    expect(loadConfig({}).apiTokens).toEqual([]);
    expect(loadConfig({ API_TOKEN: 'new-token-0123456789, old-token-0123456789,' }).apiTokens).toEqual([
      'new-token-0123456789',
      'old-token-0123456789',
    ]);
    expect(() => loadConfig({ API_TOKEN: 'long-enough-token-1234,short' })).toThrow(
      'API_TOKEN: each comma-separated token must be at least 16 characters',
    );
    try {
      loadConfig({ API_TOKEN: 'long-enough-token-1234,short' });
    } catch (err) {
      expect((err as Error).message).not.toContain('long-enough-token-1234');
    }
  });

  it('reads ALLOWED_HOSTS as comma-separated host names or addresses, refusing a scheme, a port or a path by name', () => {
    expect(loadConfig({}).allowedHosts).toEqual([]);
    expect(loadConfig({ ALLOWED_HOSTS: ' QA-Box.internal, 10.0.3.7,[fd00::1],' }).allowedHosts).toEqual(['qa-box.internal', '10.0.3.7', '[fd00::1]']);
    for (const bad of ['https://qa-box.internal', 'qa-box.internal:3000', 'qa-box.internal/x', 'fd00::1', 'user@host', '*.example.com', 'a b']) {
      expect(() => loadConfig({ ALLOWED_HOSTS: `ok.example,${bad}` }), bad).toThrow(/ALLOWED_HOSTS: each entry must be a host name or address without scheme, port or path/);
    }
  });

  it('reads SYNC_DEBOUNCE_MAX_MS (default 10 s, or the debounce if longer), refusing one below SYNC_DEBOUNCE_MS', () => {
    expect(loadConfig({}).sync).toMatchObject({ debounceMs: 1000, debounceMaxMs: 10_000 });
    expect(loadConfig({ SYNC_DEBOUNCE_MS: '30000' }).sync.debounceMaxMs).toBe(30_000);
    expect(loadConfig({ SYNC_DEBOUNCE_MS: '1000', SYNC_DEBOUNCE_MAX_MS: '2000' }).sync.debounceMaxMs).toBe(2000);
    expect(loadConfig({ SYNC_DEBOUNCE_MS: '0', SYNC_DEBOUNCE_MAX_MS: '0' }).sync.debounceMaxMs).toBe(0);
    expect(() => loadConfig({ SYNC_DEBOUNCE_MS: '5000', SYNC_DEBOUNCE_MAX_MS: '2000' })).toThrow('SYNC_DEBOUNCE_MAX_MS: must be at least SYNC_DEBOUNCE_MS (5000)');
    expect(() => loadConfig({ SYNC_DEBOUNCE_MAX_MS: 'soon' })).toThrow(/SYNC_DEBOUNCE_MAX_MS: must be a number of milliseconds/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });
});

describe('tracker configuration', () => {
  const github = { GITHUB_TOKEN: 'ghp_secret', GITHUB_REPOSITORY: 'acme/shop' };
  const jira = { JIRA_BASE_URL: 'https://acme.atlassian.net/', JIRA_EMAIL: 'qa.bot@example.com', JIRA_API_TOKEN: 't', JIRA_PROJECT_KEY: 'QA' };
  const asana = { ASANA_TOKEN: 'a', ASANA_WORKSPACE_GID: '111', ASANA_PROJECT_GID: '222' };

  it('switches a tracker on when all its variables are set, with defaults for the rest', () => {
    const config = loadConfig({ ...github, ...jira, ...asana });
    expect(config.trackers).toEqual({
      github: { token: 'ghp_secret', repository: 'acme/shop', apiUrl: 'https://api.github.com' },
      jira: { baseUrl: 'https://acme.atlassian.net', email: 'qa.bot@example.com', apiToken: 't', projectKey: 'QA', issueType: 'Bug', searchLagMs: 60_000 },
      asana: { token: 'a', workspaceGid: '111', projectGid: '222', apiUrl: 'https://app.asana.com/api/1.0' },
    });
  });

  it('leaves trackers off when none of their variables are set', () => {
    expect(loadConfig({}).trackers).toEqual({});
  });

  it('names the missing variable when a tracker is half configured', () => {
    expect(() => loadConfig({ GITHUB_TOKEN: 'x', JIRA_BASE_URL: 'https://a.atlassian.net' })).toThrow(ConfigError);
    try {
      loadConfig({ GITHUB_TOKEN: 'x' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['GITHUB_REPOSITORY: is required when GITHUB_TOKEN is set (github connector)']);
    }
  });

  it('checks the shape of tracker values', () => {
    try {
      loadConfig({ GITHUB_REPOSITORY: 'not-a-repo', JIRA_PROJECT_KEY: 'qa', ASANA_PROJECT_GID: 'abc' });
      expect.unreachable();
    } catch (err) {
      const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(['GITHUB_REPOSITORY', 'JIRA_PROJECT_KEY', 'ASANA_PROJECT_GID']);
    }
  });

  it('derives the public URL from the port unless set', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://qa.example.com/' }).publicUrl).toBe('https://qa.example.com');
  });
});
