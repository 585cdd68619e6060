// Jira Cloud admin webhooks registered with a secret: `X-Hub-Signature: sha256=<hex>` over the raw body,
// `X-Atlassian-Webhook-Identifier` as the delivery id (the same on Jira's retries), `webhookEvent` as the
// event. Issue events name the issue by its id, which survives a move to another project.
import { bodyDigest, header, object, verifySha256, WebhookPayloadError, type WebhookReceiver } from '../webhooks.ts';

const MAX_ID_DIGITS = 19;

export function createJiraWebhookReceiver(): WebhookReceiver {
  return {
    kind: 'jira',

    verify: (req, secrets) => verifySha256(header(req, 'x-hub-signature'), req.rawBody, secrets),

    signed: (req) => header(req, 'x-hub-signature') !== undefined,

    parse(req, body) {
      const deliveryId = header(req, 'x-atlassian-webhook-identifier');
      if (!deliveryId) throw new WebhookPayloadError('X-Atlassian-Webhook-Identifier header is missing');
      const payload = object(body, 'body');
      const event = payload['webhookEvent'];
      if (typeof event !== 'string' || !event) throw new WebhookPayloadError('webhookEvent is required');
      // The signature covers the body, not the delivery id: the body is what identifies a repeat.
      const contentKey = bodyDigest(req.rawBody);
      // comment_created / comment_updated / comment_deleted carry the issue too (issue 15).
      const commentEvent = event.startsWith('comment_');
      if (!event.startsWith('jira:issue_') && !commentEvent) return [{ deliveryId, event, remoteIds: [], contentKey }];
      // A comment event without its issue names no ticket (nothing to read).
      if (commentEvent && !(payload['issue'] && typeof payload['issue'] === 'object')) return [{ deliveryId, event, remoteIds: [], contentKey }];
      const issue = object(payload['issue'], 'issue');
      const id = issue['id'];
      if (typeof id !== 'string' && typeof id !== 'number') throw new WebhookPayloadError('issue.id is required in an issue event');
      if (!/^\d+$/.test(String(id))) throw new WebhookPayloadError('issue.id must be a numeric id');
      // Jira's ids are 64-bit numbers at most: a longer one names no issue of ours.
      return [{ deliveryId, event, remoteIds: String(id).length <= MAX_ID_DIGITS ? [String(id)] : [], contentKey }];
    },
  };
}
