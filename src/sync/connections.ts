// Connections: each configured target (a tracker kind, its credential, where in it, its mapping) is one
// connection, and a connection, not a kind, keys links, queues, locks, cursors, webhooks and metrics.
// They come from SYNC_CONFIG `connections` and from the GITHUB_*/JIRA_*/ASANA_* variables, which define
// the connections named github, jira and asana (unless the file defines that name itself).
import type { GithubMapping } from '../../connectors/github/mapping.ts';
import type { JiraMapping } from '../../connectors/jira/mapping.ts';
import type { AsanaMapping } from '../../connectors/asana/mapping.ts';
import type { GithubSettings } from '../../connectors/github/connector.ts';
import type { JiraSettings } from '../../connectors/jira/connector.ts';
import type { AsanaSettings } from '../../connectors/asana/connector.ts';
import { ConfigError, type Config } from '../config.ts';
import type { SyncConfig } from './sync-config.ts';
import { unknownRouteTargets } from './routes.ts';

export type ConnectionName = string;

/** `[a-z0-9-]{1,40}`: it appears in URLs, queue names, metric labels and views. */
export const CONNECTION_NAME = /^[a-z0-9-]{1,40}$/;

type Base = { name: ConnectionName; webhookSecrets: string[] };
export type GithubConnection = Base & { kind: 'github'; settings: GithubSettings; mapping: GithubMapping };
export type JiraConnection = Base & { kind: 'jira'; settings: JiraSettings; mapping: JiraMapping };
export type AsanaConnection = Base & { kind: 'asana'; settings: AsanaSettings; mapping: AsanaMapping };
export type ConnectionConfig = GithubConnection | JiraConnection | AsanaConnection;

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
 * Every connection: the file's, then the environment's for each kind whose variables are set and whose
 * kind-name the file does not use. Throws a ConfigError naming each duplicate target.
 */
export function resolveConnections(config: Pick<Config, 'trackers' | 'webhookSecrets'>, sync: SyncConfig): ConnectionConfig[] {
  const fromFile = sync.connections;
  const named = new Set(fromFile.map((c) => c.name));
  const fromEnv: ConnectionConfig[] = [];
  const t = config.trackers;
  if (t.github && !named.has('github')) fromEnv.push({ name: 'github', kind: 'github', settings: t.github, mapping: sync.github, webhookSecrets: config.webhookSecrets.github });
  if (t.jira && !named.has('jira')) fromEnv.push({ name: 'jira', kind: 'jira', settings: t.jira, mapping: sync.jira, webhookSecrets: config.webhookSecrets.jira });
  if (t.asana && !named.has('asana')) fromEnv.push({ name: 'asana', kind: 'asana', settings: t.asana, mapping: sync.asana, webhookSecrets: [] });
  const all = [...fromFile, ...fromEnv];
  const byTarget = new Map<string, string>();
  const problems: string[] = [];
  for (const c of all) {
    const key = `${c.kind} ${targetKey(c)}`;
    const other = byTarget.get(key);
    if (other) problems.push(`SYNC_CONFIG connections.${c.name}: points at the same ${c.kind} target as connection ${other} (${targetKey(c)}); one connection per target`);
    else byTarget.set(key, c.name);
  }
  problems.push(...unknownRouteTargets(sync.routes, new Set(all.map((c) => c.name))));
  if (problems.length) throw new ConfigError(problems);
  return all;
}
