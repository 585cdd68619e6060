// The inbound half of the connector contract: a tracker's webhook delivery, once its signature is
// verified, becomes notices that name the tickets it concerns. Nothing else of the payload is used:
// the worker reads each ticket as it is now, so late, reordered, repeated or compact events all
// converge on the truth, and the sync engine never sees a tracker's payload format.
import { createHash } from 'node:crypto';
import { verifyWithFallback } from '@octokit/webhooks-methods';
import type { TrackerKind } from './contract.ts';

export type WebhookRequest = {
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  rawBody: Buffer;
};

export type WebhookNotice = {
  /** Unique per delivery (per event within a batched delivery): a repeat is recognised by it. */
  deliveryId: string;
  /** What happened, for logs and counts, e.g. `issues.closed`, `jira:issue_updated`, `task.changed`. */
  event: string;
  /** The tickets it concerns (remote ids as TicketRef.remoteId); empty for pings and other resources. */
  remoteIds: string[];
  /**
   * A digest of what the delivery's signature covers, where a delivery is one notice (GitHub, Jira): the
   * delivery id is not signed, so a signed body replayed under a fresh id is recognised as a repeat by this.
   */
  contentKey?: string;
};

/** A verified body that is not what the tracker sends: the route answers 400. */
export class WebhookPayloadError extends Error {}

export interface WebhookReceiver {
  readonly kind: TrackerKind;
  /** Whether the signature matches any of the secrets (several during a rotation). Never throws. */
  verify(req: WebhookRequest, secrets: readonly string[]): Promise<boolean>;
  /**
   * Whether the request carries a signature at all. A refused request without one is noise anyone who can
   * reach the port can make; one with a signature that does not match may be a wrong secret.
   */
  signed(req: WebhookRequest): boolean;
  /** The notices in a verified delivery. Throws WebhookPayloadError when the body is malformed. */
  parse(req: WebhookRequest, body: unknown): WebhookNotice[];
}

export function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * HMAC-SHA256 of the raw body in the `sha256=<hex>` form (GitHub's X-Hub-Signature-256, Jira's
 * X-Hub-Signature; Asana's bare hex is given the prefix by its receiver), checked in constant time by
 * @octokit/webhooks-methods against each secret.
 */
export async function verifySha256(signature: string | undefined, rawBody: Buffer, secrets: readonly string[]): Promise<boolean> {
  if (!signature || secrets.length === 0 || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  const payload = rawBody.toString('utf8');
  // A body that is not valid UTF-8 cannot round-trip through the string the library signs.
  if (!Buffer.from(payload, 'utf8').equals(rawBody)) return false;
  try {
    return Boolean(await verifyWithFallback(secrets[0]!, payload, signature.toLowerCase(), [...secrets.slice(1)]));
  } catch {
    return false;
  }
}

/** The content key of a delivery whose signature covers its raw body (see WebhookNotice.contentKey). */
export function bodyDigest(rawBody: Buffer): string {
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WebhookPayloadError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** A webhook the tracker holds, as its API lists it. */
export type RemoteWebhook = { remoteId: string; target: string; active: boolean; lastFailure: string | null };

/**
 * For trackers whose webhooks a service registers through the API itself (Asana): list what exists for
 * the watched resource, create one for a target (the tracker's handshake reaches the target before the
 * create answers), delete one.
 */
export interface WebhookRegistrar {
  readonly kind: TrackerKind;
  /** The connection whose webhook this is. */
  readonly connection: string;
  /** The resource watched (e.g. the Asana project gid). */
  readonly resource: string;
  list(): Promise<RemoteWebhook[]>;
  create(target: string): Promise<RemoteWebhook>;
  delete(remoteId: string): Promise<void>;
}
