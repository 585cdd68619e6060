// The enabled connectors, built from the environment (credentials) and SYNC_CONFIG (mappings).
// This is the only place in src/ that names a concrete tracker's connector.
import type { Connector, TrackerKind } from '../../connectors/contract.ts';
import { People } from '../../connectors/people.ts';
import { createGithubConnector } from '../../connectors/github/connector.ts';
import { createJiraConnector } from '../../connectors/jira/connector.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import type { TrackerSettings } from '../config.ts';
import type { WebhookReceiver, WebhookRegistrar } from '../../connectors/webhooks.ts';
import { createAsanaWebhookRegistrar } from '../../connectors/asana/webhooks-api.ts';
import { createGithubWebhookReceiver } from '../../connectors/github/webhook.ts';
import { createJiraWebhookReceiver } from '../../connectors/jira/webhook.ts';
import { createAsanaWebhookReceiver } from '../../connectors/asana/webhook.ts';
import type { SyncConfig } from './sync-config.ts';
import { withInboundRules } from './inbound-text.ts';

/** Told of every tracker API call's answer (the tracker-calls metric); connectors never import metrics. */
export type TrackerCallListener = (tracker: TrackerKind, status: number | 'network' | 'timeout') => void;

export function buildConnectors(trackers: TrackerSettings, sync: SyncConfig, timeoutMs: number, onCall?: TrackerCallListener): Map<TrackerKind, Connector> {
  const people = new People(sync.people);
  const connectors = new Map<TrackerKind, Connector>();
  const calls = (tracker: TrackerKind) => (onCall ? { onCall: (status: number | 'network' | 'timeout') => onCall(tracker, status) } : {});
  if (trackers.github) {
    connectors.set('github', createGithubConnector({ settings: trackers.github, mapping: sync.github, people, timeoutMs, ...calls('github') }));
  }
  if (trackers.jira) connectors.set('jira', createJiraConnector({ settings: trackers.jira, mapping: sync.jira, people, timeoutMs, ...calls('jira') }));
  if (trackers.asana) {
    connectors.set('asana', createAsanaConnector({ settings: trackers.asana, mapping: sync.asana, people, timeoutMs, ...calls('asana') }));
  }
  // Whatever a tracker holds passes the API's text rules before any part of the service reads it.
  for (const [kind, connector] of connectors) connectors.set(kind, withInboundRules(connector));
  return connectors;
}

/** The webhook receivers of the enabled trackers. */
export function buildWebhookReceivers(trackers: TrackerSettings): Map<TrackerKind, WebhookReceiver> {
  const receivers = new Map<TrackerKind, WebhookReceiver>();
  if (trackers.github) receivers.set('github', createGithubWebhookReceiver({ repository: trackers.github.repository }));
  if (trackers.jira) receivers.set('jira', createJiraWebhookReceiver());
  if (trackers.asana) receivers.set('asana', createAsanaWebhookReceiver());
  return receivers;
}

/** Registrars for the trackers whose webhooks this service registers through their API (Asana). */
export function buildWebhookRegistrars(trackers: TrackerSettings, timeoutMs: number): WebhookRegistrar[] {
  return trackers.asana ? [createAsanaWebhookRegistrar(trackers.asana, timeoutMs)] : [];
}
