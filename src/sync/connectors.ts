// The configured connections' connectors, webhook receivers and registrars, keyed by connection name.
// This is the only place in src/ that names a concrete tracker's connector.
//
// A kind's connector (and its SDK) is loaded only when a connection of that kind is configured: the SDKs
// are most of the service's footprint (jira.js about 40 MB resident, asana about 30), and a deployment
// with GitHub alone should not carry them.
import type { Connector, TrackerKind } from '../../connectors/contract.ts';
import { People } from '../../connectors/people.ts';
import type { WebhookReceiver, WebhookRegistrar } from '../../connectors/webhooks.ts';
import { createGithubWebhookReceiver } from '../../connectors/github/webhook.ts';
import { createJiraWebhookReceiver } from '../../connectors/jira/webhook.ts';
import { createAsanaWebhookReceiver } from '../../connectors/asana/webhook.ts';
import type { SyncConfig } from './sync-config.ts';
import type { ConnectionConfig, ConnectionName } from './connections.ts';
import { withInboundRules } from './inbound-text.ts';

/** Told of every tracker API call's answer (the tracker-calls metric); connectors never import metrics. */
export type TrackerCallListener = (connection: ConnectionName, kind: TrackerKind, status: number | 'network' | 'timeout') => void;

export async function buildConnectors(
  connections: readonly ConnectionConfig[],
  sync: Pick<SyncConfig, 'people'>,
  timeoutMs: number,
  onCall?: TrackerCallListener,
): Promise<Map<ConnectionName, Connector>> {
  const out = new Map<ConnectionName, Connector>();
  for (const c of connections) {
    const common = { connection: c.name, people: peopleOf(sync, c.name, c.kind), timeoutMs, ...(onCall && { onCall: (status: number | 'network' | 'timeout') => onCall(c.name, c.kind, status) }) };
    const connector =
      c.kind === 'github'
        ? (await import('../../connectors/github/connector.ts')).createGithubConnector({ ...common, settings: c.settings, mapping: c.mapping })
        : c.kind === 'jira'
          ? (await import('../../connectors/jira/connector.ts')).createJiraConnector({ ...common, settings: c.settings, mapping: c.mapping })
          : (await import('../../connectors/asana/connector.ts')).createAsanaConnector({ ...common, settings: c.settings, mapping: c.mapping });
    // Whatever a tracker holds passes the API's text rules before any part of the service reads it.
    out.set(c.name, withInboundRules(connector));
  }
  return out;
}

/** The people mapping as connection `connection` reads it: a person's own account there wins over their id of its kind. */
export function peopleOf(sync: Pick<SyncConfig, 'people'>, connection: ConnectionName, kind: TrackerKind): People {
  return new People(sync.people, { connection, kind });
}

/** The webhook receivers of the configured connections (each checks what its own target sends). */
export function buildWebhookReceivers(connections: readonly ConnectionConfig[]): Map<ConnectionName, WebhookReceiver> {
  const receivers = new Map<ConnectionName, WebhookReceiver>();
  for (const c of connections) {
    if (c.kind === 'github') receivers.set(c.name, createGithubWebhookReceiver({ repository: c.settings.repository }));
    if (c.kind === 'jira') receivers.set(c.name, createJiraWebhookReceiver());
    if (c.kind === 'asana') receivers.set(c.name, createAsanaWebhookReceiver());
  }
  return receivers;
}

/** Registrars for the connections whose webhooks this service registers through their API (Asana). */
export async function buildWebhookRegistrars(connections: readonly ConnectionConfig[], timeoutMs: number): Promise<WebhookRegistrar[]> {
  const asana = connections.flatMap((c) => (c.kind === 'asana' ? [c] : []));
  if (asana.length === 0) return [];
  const { createAsanaWebhookRegistrar } = await import('../../connectors/asana/webhooks-api.ts');
  return asana.map((c) => createAsanaWebhookRegistrar(c.settings, timeoutMs, c.name));
}
