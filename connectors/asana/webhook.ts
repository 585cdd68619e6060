// Asana webhook deliveries: `X-Hook-Signature` is the bare hex HMAC-SHA256 of the raw body, keyed with the
// secret Asana sent in the handshake for that webhook. A delivery batches compact events
// ({action, resource, parent, created_at, change}) and carries no id of its own: each event is identified
// by its content, so a redelivered batch is recognised event by event. An event about a task names it; one
// about a story (a comment, a field change record) names the task it belongs to.
import { createHash } from 'node:crypto';
import { header, object, verifySha256, WebhookPayloadError, type WebhookNotice, type WebhookReceiver } from '../webhooks.ts';

const MAX_EVENTS = 1000;

export function createAsanaWebhookReceiver(): WebhookReceiver {
  return {
    kind: 'asana',

    verify(req, secrets) {
      const signature = header(req, 'x-hook-signature');
      return verifySha256(signature && `sha256=${signature}`, req.rawBody, secrets);
    },

    signed: (req) => header(req, 'x-hook-signature') !== undefined,

    parse(_req, body) {
      const events = object(body, 'body')['events'];
      if (!Array.isArray(events)) throw new WebhookPayloadError('events must be an array');
      if (events.length > MAX_EVENTS) throw new WebhookPayloadError(`at most ${MAX_EVENTS} events per delivery`);
      return events.map((raw, i): WebhookNotice => {
        const e = object(raw, `events[${i}]`);
        const resource = object(e['resource'], `events[${i}].resource`);
        const parent = e['parent'] && typeof e['parent'] === 'object' ? (e['parent'] as Record<string, unknown>) : null;
        const action = typeof e['action'] === 'string' ? e['action'] : 'unknown';
        const type = typeof resource['resource_type'] === 'string' ? resource['resource_type'] : 'unknown';
        const task = type === 'task' ? resource : parent?.['resource_type'] === 'task' ? parent : null;
        const gid = task?.['gid'];
        if (task && (typeof gid !== 'string' || !/^\d+$/.test(gid))) throw new WebhookPayloadError(`events[${i}]: task gid must be digits`);
        return {
          deliveryId: `asana-${createHash('sha256').update(JSON.stringify(e)).digest('hex').slice(0, 40)}`,
          event: `${type}.${action}`,
          remoteIds: task ? [gid as string] : [],
        };
      });
    },
  };
}
