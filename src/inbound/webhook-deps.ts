// What the webhook routes are given (the receivers, their secrets, the inbox): built by start-inbound.ts,
// used by src/http/webhook-routes.ts; here so the inbound floor never imports the HTTP one.
import type { TrackerKind } from '../../connectors/contract.ts';
import type { WebhookReceiver } from '../../connectors/webhooks.ts';
import type { Inbox } from './inbox.ts';
import type { WebhookRegistrations } from './registrations.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionName } from '../sync/connections.ts';

/** A connection's receiver, and the secrets that verify its deliveries (GitHub, Jira). */
export type SignedReceiver = { kind: TrackerKind; receiver: WebhookReceiver; secrets: readonly string[] };

export type WebhookDeps = {
  /** Per connection (GitHub, Jira): only these routes are open, each verified with its own secrets only. */
  signed: ReadonlyMap<ConnectionName, SignedReceiver>;
  /** Asana: the registration in the URL names the connection; its secret comes from the handshake. */
  asana?: { receiver: WebhookReceiver; connections: readonly ConnectionName[]; registrations: WebhookRegistrations };
  inbox: Inbox;
  log: Logger;
};
