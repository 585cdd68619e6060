// Connections: each configured target (a tracker kind, its credential, where in it, its mapping) is one
// connection, and a connection, not a kind, keys links, queues, locks, cursors, webhooks and metrics.
// They come from SYNC_CONFIG `connections` and from the GITHUB_*/JIRA_*/ASANA_* variables, which define
// the connections named github, jira and asana.
import { ConfigError, type Config } from '../config.ts';
import { TRACKER_KINDS } from '../../connectors/contract.ts';
import { ASANA_USER, type SyncConfig } from './sync-config.ts';
import { unknownRouteTargets } from './routes.ts';
import type { ConnectionConfig } from './connection-config.ts';
export { CONNECTION_NAME, type AsanaConnection, type ConnectionConfig, type ConnectionName, type GithubConnection, type JiraConnection } from './connection-config.ts';

/**
 * Where a connection points, in one canonical string: two connections of one kind with the same target
 * would write the same tickets twice. URLs lose their trailing slash and case where case does not matter.
 */
export function targetKey(c: ConnectionConfig): string {
  const url = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  switch (c.kind) {
    case 'github':
      return `${url(c.settings.apiUrl)}/repos/${c.settings.repository.toLowerCase()}`;
    case 'jira':
      return `${url(c.settings.baseUrl)}/project/${c.settings.projectKey}`;
    case 'asana':
      return `${url(c.settings.apiUrl)}/workspaces/${c.settings.workspaceGid}/projects/${c.settings.projectGid}`;
  }
}

/**
 * Every connection: the environment's (named after their kind), then the file's. A name defined by both
 * is refused rather than one silently dropped (its token or webhook secret would be ignored), and so are
 * two connections of one target and routes naming no connection. Throws a ConfigError naming each.
 */
export function resolveConnections(config: Pick<Config, 'trackers' | 'webhookSecrets'>, sync: SyncConfig): ConnectionConfig[] {
  const t = config.trackers;
  const fromEnv: ConnectionConfig[] = [];
  if (t.github) fromEnv.push({ name: 'github', kind: 'github', source: 'env', settings: t.github, mapping: sync.github, webhookSecrets: config.webhookSecrets.github });
  if (t.jira) fromEnv.push({ name: 'jira', kind: 'jira', source: 'env', settings: t.jira, mapping: sync.jira, webhookSecrets: config.webhookSecrets.jira });
  if (t.asana) fromEnv.push({ name: 'asana', kind: 'asana', source: 'env', settings: t.asana, mapping: sync.asana, webhookSecrets: [] });
  const problems: string[] = [];
  const envSecret = { github: config.webhookSecrets.github.length > 0, jira: config.webhookSecrets.jira.length > 0, asana: false };
  for (const c of sync.connections) {
    const kind = TRACKER_KINDS.find((k) => k === c.name);
    if (kind && (fromEnv.some((e) => e.name === c.name) || envSecret[kind])) {
      problems.push(`SYNC_CONFIG connections.${c.name}: is also defined by the ${kind.toUpperCase()}_* variables; remove one of the two (or rename the file's)`);
    }
  }
  const all = [...fromEnv, ...sync.connections.filter((c) => !fromEnv.some((e) => e.name === c.name))];
  const byTarget = new Map<string, ConnectionConfig>();
  for (const c of all) {
    const key = `${c.kind} ${targetKey(c)}`;
    const other = byTarget.get(key);
    if (other) problems.push(`${where(c)}: points at the same ${c.kind} target as ${where(other)} (${targetKey(c)}); one connection per target`);
    else byTarget.set(key, c);
  }
  problems.push(...unknownRouteTargets(sync.routes, new Set(all.map((c) => c.name))));
  problems.push(...accountProblems(sync.people, all));
  if (problems.length) throw new ConfigError(problems);
  return all;
}

/** Where a connection is configured, for messages. */
export function where(c: Pick<ConnectionConfig, 'name' | 'kind' | 'source'>): string {
  return c.source === 'env' ? `connection ${c.name} (the ${c.kind.toUpperCase()}_* variables)` : `SYNC_CONFIG connections.${c.name}`;
}

/** A person's `accounts` must name configured connections, with an id that connection's kind can hold. */
function accountProblems(people: SyncConfig['people'], all: readonly ConnectionConfig[]): string[] {
  const problems: string[] = [];
  people.forEach((p, i) => {
    for (const [name, id] of Object.entries(p.accounts ?? {})) {
      const at = `SYNC_CONFIG people.${i}.accounts.${name}`;
      const c = all.find((x) => x.name === name);
      if (!c) problems.push(`${at}: there is no connection named ${name}`);
      else if (c.kind === 'asana' && !ASANA_USER.test(id)) problems.push(`${at}: must be an Asana user gid (${name} is an Asana connection)`);
    }
  });
  return problems;
}
