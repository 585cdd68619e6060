// Wires the webhook side of the API: the connections' receivers with their secrets, the inbox, and
// the process's queues (src/outbox/wiring.ts). Shared by the `api`/`all` roles and the tests.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Config } from '../config.ts';
import type { ConnectionConfig, ConnectionName } from '../sync/connections.ts';
import type { SyncQueues } from '../outbox/wiring.ts';
import { buildWebhookReceivers, buildWebhookRegistrars } from '../sync/connectors.ts';
import type { SignedReceiver, WebhookDeps } from './webhook-deps.ts';
import { Inbox } from './inbox.ts';
import { WebhookRegistrations } from './registrations.ts';
import { ensureWebhook } from './register-webhooks.ts';

export function startInbound(
  config: Pick<Config, 'sync' | 'publicUrl' | 'publicUrlSet'>,
  connections: readonly ConnectionConfig[],
  /** The queues are on the producer connection: an add fails fast while Redis is away (the sweep queues what was recorded). */
  deps: { prisma: PrismaClient; log: Logger; queues: SyncQueues },
): {
  webhooks: WebhookDeps;
  inbox: Inbox;
  registrations: WebhookRegistrations;
  /** Registers the webhooks this service registers itself (Asana), once the API listens; never throws. */
  registerWebhooks: () => Promise<void>;
  stop: () => Promise<void>;
} {
  const receivers = buildWebhookReceivers(connections);
  const inbox = new Inbox(deps.prisma, deps.queues, { ms: config.sync.debounceMs, maxMs: config.sync.debounceMaxMs }, (err) =>
    deps.log.warn({ err }, 'webhook deliveries recorded but not queued; the sweep will queue them'),
  );
  const registrations = new WebhookRegistrations(deps.prisma);
  const signed = new Map<ConnectionName, SignedReceiver>();
  for (const c of connections) {
    const receiver = receivers.get(c.name);
    if (receiver && c.kind !== 'asana' && c.webhookSecrets.length) signed.set(c.name, { kind: c.kind, receiver, secrets: c.webhookSecrets });
  }
  const asanaNames = connections.filter((c) => c.kind === 'asana').map((c) => c.name);
  const asana = asanaNames.length ? receivers.get(asanaNames[0]!) : undefined;
  return {
    webhooks: { signed, ...(asana && { asana: { receiver: asana, connections: asanaNames, registrations } }), inbox, log: deps.log },
    inbox,
    registrations,
    async registerWebhooks() {
      for (const registrar of await buildWebhookRegistrars(connections, config.sync.timeoutMs)) {
        if (!config.publicUrlSet) {
          deps.log.warn({ connection: registrar.connection }, 'webhook not registered: PUBLIC_URL is not set (polling every SYNC_POLL_MS still picks up changes)');
          continue;
        }
        try {
          await ensureWebhook(registrar, registrations, config.publicUrl, deps.log);
        } catch (err) {
          deps.log.warn({ err, connection: registrar.connection }, 'webhook registration failed; polling covers changes meanwhile, and each poll tries again');
        }
      }
    },
    // The queues are the process's; what is left is the jobs of deliveries already answered.
    stop: () => inbox.settled(),
  };
}
