// Keeps this service's webhook registered with trackers that take registrations through their API
// (Asana). An active webhook on the tracker whose target is one of our active registrations is reused;
// one the tracker deactivated (Asana does that after deliveries keep failing) or one we hold no secret
// for is deleted, and a fresh one is created, its handshake answered by our own webhook route.
import type { WebhookRegistrar } from '../../connectors/webhooks.ts';
import type { Logger } from '../logger.ts';
import type { WebhookRegistrations } from './registrations.ts';

export type EnsureResult = { outcome: 'reused' | 'created'; remoteId: string; target: string };

/** Null when another process is checking the same connection's webhook right now. */
export function ensureWebhook(
  registrar: WebhookRegistrar,
  registrations: WebhookRegistrations,
  publicUrl: string,
  log: Logger,
): Promise<EnsureResult | null> {
  return registrations.exclusive(registrar.connection, () => ensureUnlocked(registrar, registrations, publicUrl, log));
}

async function ensureUnlocked(
  registrar: WebhookRegistrar,
  registrations: WebhookRegistrations,
  publicUrl: string,
  log: Logger,
): Promise<EnsureResult> {
  const base = `${publicUrl.replace(/\/+$/, '')}/webhooks/${registrar.kind}`;
  const remote = await registrar.list();
  const ours = await registrations.active(registrar.connection, registrar.resource);
  let keep: EnsureResult | undefined;
  for (const reg of ours) {
    const hook = remote.find((w) => w.target === reg.target);
    if (hook?.active && !keep) {
      keep = { outcome: 'reused', remoteId: hook.remoteId, target: hook.target };
      continue;
    }
    await registrations.retire(reg.id, hook ? `deactivated by ${registrar.kind}${hook.lastFailure ? ` (${hook.lastFailure})` : ''}` : `no longer on ${registrar.kind}`);
  }
  // Webhooks at our address that are not the one kept cannot be verified (no secret) or are dead.
  for (const hook of remote) {
    if (hook.target.startsWith(`${base}/`) && hook.remoteId !== keep?.remoteId) {
      log.info({ connection: registrar.connection, webhook: hook.remoteId, active: hook.active }, 'deleting a stale webhook');
      await registrar.delete(hook.remoteId);
    }
  }
  if (keep) return keep;

  const { id, target } = await registrations.begin(registrar.connection, registrar.resource, base);
  try {
    const created = await registrar.create(target);
    await registrations.activate(id, created.remoteId);
    log.info({ connection: registrar.connection, webhook: created.remoteId, target }, 'webhook registered');
    return { outcome: 'created', remoteId: created.remoteId, target };
  } catch (err) {
    await registrations.fail(id, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
