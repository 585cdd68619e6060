// GitHub webhook deliveries: `X-Hub-Signature-256` over the raw body, `X-GitHub-Delivery` as the id,
// `X-GitHub-Event` plus the payload's action as the event. Only `issues` events about issues of the
// configured repository name a ticket; `ping` and everything else are acknowledged and ignored.
import { bodyDigest, header, object, verifySha256, WebhookPayloadError, type WebhookReceiver } from '../webhooks.ts';
import { parseRepository, sameRepo } from './refs.ts';

export function createGithubWebhookReceiver(settings: { repository: string }): WebhookReceiver {
  const repo = parseRepository(settings.repository);
  return {
    kind: 'github',

    verify: (req, secrets) => verifySha256(header(req, 'x-hub-signature-256'), req.rawBody, secrets),

    signed: (req) => header(req, 'x-hub-signature-256') !== undefined,

    parse(req, body) {
      const deliveryId = header(req, 'x-github-delivery');
      const name = header(req, 'x-github-event');
      if (!deliveryId) throw new WebhookPayloadError('X-GitHub-Delivery header is missing');
      if (!name) throw new WebhookPayloadError('X-GitHub-Event header is missing');
      const payload = object(body, 'body');
      const action = typeof payload['action'] === 'string' ? payload['action'] : undefined;
      const event = action ? `${name}.${action}` : name;
      // The signature covers the body, not the delivery id: the body is what identifies a repeat.
      const contentKey = bodyDigest(req.rawBody);
      // issue_comment (created, edited, deleted) names its issue like an issues event (issue 15).
      if (name !== 'issues' && name !== 'issue_comment') return [{ deliveryId, event, remoteIds: [], contentKey }];
      const issue = object(payload['issue'], 'issue');
      const repository = object(payload['repository'], 'repository');
      if (!Number.isInteger(issue['number']) || typeof repository['full_name'] !== 'string') {
        throw new WebhookPayloadError('issue.number and repository.full_name are required in an issues event');
      }
      const ours = (() => {
        try {
          return sameRepo(parseRepository(repository['full_name'] as string), repo);
        } catch {
          return false;
        }
      })();
      // Pull requests share the numbering but are not tickets; other repositories are not ours, and neither
      // is a number no issue can have (1e300, say).
      const number = issue['number'] as number;
      const remoteIds = ours && !issue['pull_request'] && number > 0 && Number.isSafeInteger(number) ? [String(number)] : [];
      return [{ deliveryId, event, remoteIds, contentKey }];
    },
  };
}
