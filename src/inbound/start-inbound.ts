// Wires the webhook side of the API: the enabled trackers' receivers with their secrets, the inbox, and
// a queue producer per tracker. Shared by the `api`/`all` roles and the tests.
import { Redis } from 'ioredis';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Config } from '../config.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import type { WebhookReceiver } from '../../connectors/webhooks.ts';
import { createQueues, logQueueErrors } from '../outbox/queues.ts';
import { buildWebhookReceivers, buildWebhookRegistrars } from '../sync/connectors.ts';
import type { WebhookDeps } from '../http/webhook-routes.ts';
import { Inbox } from './inbox.ts';
import { WebhookRegistrations } from './registrations.ts';
import { ensureWebhook } from './register-webhooks.ts';

export function startInbound(
  config: Pick<Config, 'redisUrl' | 'queuePrefix' | 'trackers' | 'webhookSecrets' | 'sync' | 'publicUrl' | 'publicUrlSet'>,
  deps: { prisma: PrismaClient; log: Logger },
): {
  webhooks: WebhookDeps;
  inbox: Inbox;
  registrations: WebhookRegistrations;
  /** Registers the webhooks this service registers itself (Asana), once the API listens; never throws. */
  registerWebhooks: () => Promise<void>;
  stop: () => Promise<void>;
} {
  const receivers = buildWebhookReceivers(config.trackers);
  // A producer only: a request must not hang while Redis is away (the sweep queues what it recorded).
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
  connection.on('error', () => undefined); // reconnects on its own; failures surface on the calls
  const queues = createQueues(connection, config.queuePrefix, [...receivers.keys()]);
  logQueueErrors(queues, deps.log);
  const inbox = new Inbox(deps.prisma, queues, { ms: config.sync.debounceMs, maxMs: config.sync.debounceMaxMs });
  const registrations = new WebhookRegistrations(deps.prisma);
  const signed = new Map<TrackerKind, { receiver: WebhookReceiver; secrets: readonly string[] }>();
  for (const tracker of ['github', 'jira'] as const) {
    const receiver = receivers.get(tracker);
    const secrets = config.webhookSecrets[tracker];
    if (receiver && secrets.length) signed.set(tracker, { receiver, secrets });
  }
  const asana = receivers.get('asana');
  return {
    webhooks: { signed, ...(asana && { asana: { receiver: asana, registrations } }), inbox, log: deps.log },
    inbox,
    registrations,
    async registerWebhooks() {
      for (const registrar of buildWebhookRegistrars(config.trackers, config.sync.timeoutMs)) {
        if (!config.publicUrlSet) {
          deps.log.warn({ tracker: registrar.kind }, 'webhook not registered: PUBLIC_URL is not set (polling every SYNC_POLL_MS still picks up changes)');
          continue;
        }
        try {
          await ensureWebhook(registrar, registrations, config.publicUrl, deps.log);
        } catch (err) {
          deps.log.warn({ err, tracker: registrar.kind }, 'webhook registration failed; polling covers changes meanwhile, and each poll tries again');
        }
      }
    },
    stop: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}
