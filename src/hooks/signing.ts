// Standard Webhooks signing (https://www.standardwebhooks.com): a secret is `whsec_` and base64 of its
// key bytes; a signature is `v1,` and base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>").
// During a rotation both secrets sign, space-separated, so a receiver holding either verifies. Pure.
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new secret: 32 random bytes, in the form receivers' Standard Webhooks libraries take as is. */
export function newHookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header value for one delivery attempt, signed by every given secret. */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`).join(' ');
}
