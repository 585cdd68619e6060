// The shape of a configured connection (kind, credential, target, mapping), apart from how connections are
// resolved (connections.ts): SYNC_CONFIG parsing and routing read these without importing the resolver.
import type { GithubMapping } from '../../connectors/github/mapping.ts';
import type { JiraMapping } from '../../connectors/jira/mapping.ts';
import type { AsanaMapping } from '../../connectors/asana/mapping.ts';
import type { GithubSettings } from '../../connectors/github/connector.ts';
import type { JiraSettings } from '../../connectors/jira/connector.ts';
import type { AsanaSettings } from '../../connectors/asana/settings.ts';

export type ConnectionName = string;

/** `[a-z0-9-]{1,40}`: it appears in URLs, queue names, metric labels and views. */
export const CONNECTION_NAME = /^[a-z0-9-]{1,40}$/;

/** `source`: the environment (GITHUB_, JIRA_, ASANA_ variables) or SYNC_CONFIG `connections`. */
type Base = {
  name: ConnectionName;
  source: 'env' | 'file';
  webhookSecrets: string[];
  /** false: no test evidence comments on this connection's tickets (SYNC_CONFIG `evidenceComments: false`). */
  evidenceComments?: boolean;
};
export type GithubConnection = Base & { kind: 'github'; settings: GithubSettings; mapping: GithubMapping };
export type JiraConnection = Base & { kind: 'jira'; settings: JiraSettings; mapping: JiraMapping };
export type AsanaConnection = Base & { kind: 'asana'; settings: AsanaSettings; mapping: AsanaMapping };
export type ConnectionConfig = GithubConnection | JiraConnection | AsanaConnection;

