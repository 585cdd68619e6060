// Webhook receivers: POST /webhooks/github, /webhooks/jira, /webhooks/asana/<registration id>. The raw
// body is read (size-limited before buffering), its signature verified before anything is parsed or
// stored, then each notice about a linked ticket is recorded (unique per delivery and per signed body)
// and the linked defects' sync jobs queued before the answer: 202 when something new was taken, 200 for a
// repeat or a notice about no ticket of ours (ignored: counted so, and no row). A tracker with no secret configured has no open route: unsigned requests are never trusted.
import express, { Router, type Request, type RequestHandler } from 'express';
import type { TrackerKind } from '../../connectors/contract.ts';
import { WebhookPayloadError, type WebhookNotice, type WebhookReceiver, type WebhookRequest } from '../../connectors/webhooks.ts';
import { AppError } from '../errors.ts';
import type { Inbox } from '../inbound/inbox.ts';
import type { WebhookRegistrations } from '../inbound/registrations.ts';
import type { Logger } from '../logger.ts';

export const WEBHOOK_BODY_LIMIT = '1mb';

export type WebhookDeps = {
  /** Receivers with the secrets that verify them (GitHub, Jira): only these routes are open. */
  signed: ReadonlyMap<TrackerKind, { receiver: WebhookReceiver; secrets: readonly string[] }>;
  /** Asana: its secret per registration comes from the handshake. */
  asana?: { receiver: WebhookReceiver; registrations: WebhookRegistrations };
  inbox: Inbox;
  log: Logger;
};

/**
 * `rejected`: refused although it carried a signature (a wrong secret, a forgery); `unsigned`: refused
 * without one (anyone can send that). Only `rejected` colours a tracker's health.
 */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unsigned' | 'handshake';

export function webhookRoutes(deps: WebhookDeps, onOutcome: (tracker: TrackerKind, outcome: WebhookOutcome) => void = () => {}): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  const take = async (tracker: TrackerKind, receiver: WebhookReceiver, req: WebhookRequest): Promise<{ status: number; body: object }> => {
    const notices = parse(receiver, req);
    const recorded = await deps.inbox.record(tracker, notices, 'webhook');
    try {
      await deps.inbox.dispatch(recorded.rows);
    } catch (err) {
      // Recorded but not queued: the sweep queues it; the tracker may retry meanwhile (a duplicate then).
      deps.log.warn({ err, tracker }, 'webhook recorded but not queued; the sweep will queue it');
      throw new AppError('tracker_unavailable', 'the event was recorded but could not be queued yet; it will be processed shortly');
    }
    const outcome: WebhookOutcome = recorded.accepted ? 'accepted' : recorded.duplicates ? 'duplicate' : 'ignored';
    onOutcome(tracker, outcome);
    // The request log line already says a webhook came; the details are for debugging.
    deps.log.debug({ tracker, events: notices.map((n) => n.event), accepted: recorded.accepted, duplicates: recorded.duplicates, ignored: recorded.ignored }, 'webhook received');
    return { status: recorded.accepted ? 202 : 200, body: { accepted: recorded.accepted, duplicates: recorded.duplicates, ignored: recorded.ignored } };
  };

  const refuse = (tracker: TrackerKind, message: string, signed: boolean): never => {
    onOutcome(tracker, signed ? 'rejected' : 'unsigned');
    throw new AppError('unauthorized', message);
  };

  for (const tracker of ['github', 'jira'] as const) {
    const handler: RequestHandler = async (req, res) => {
      const entry = deps.signed.get(tracker);
      if (!entry || entry.secrets.length === 0) throw notOpen(tracker);
      const request = asWebhookRequest(req);
      if (!(await entry.receiver.verify(request, entry.secrets))) refuse(tracker, 'the webhook signature is missing or does not match', entry.receiver.signed(request));
      const answer = await take(tracker, entry.receiver, request);
      res.status(answer.status).json(answer.body);
    };
    r.post(`/${tracker}`, raw, handler);
  }

  r.post('/asana/:registrationId', raw, async (req: Request<{ registrationId: string }>, res) => {
    if (!deps.asana) throw notOpen('asana');
    const { receiver, registrations } = deps.asana;
    const id = req.params.registrationId;
    const handshake = req.get('x-hook-secret');
    if (handshake !== undefined) {
      if (!(await registrations.acceptHandshake('asana', id, handshake))) {
        // A handshake carries no signature: anyone can send one.
        refuse('asana', 'no webhook registration of this service is waiting for a handshake at this URL', false);
      }
      onOutcome('asana', 'handshake');
      deps.log.info({ registration: id }, 'asana webhook handshake accepted');
      res.set('X-Hook-Secret', handshake).status(200).end();
      return;
    }
    const secret = await registrations.secretFor('asana', id);
    const request = asWebhookRequest(req);
    if (!secret) refuse('asana', 'no active webhook registration at this URL', receiver.signed(request));
    if (!(await receiver.verify(request, [secret!]))) refuse('asana', 'the webhook signature is missing or does not match', receiver.signed(request));
    const answer = await take('asana', receiver, request);
    res.status(answer.status).json(answer.body);
  });

  return r;
}

function asWebhookRequest(req: Request): WebhookRequest {
  return { headers: req.headers, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) };
}

function parse(receiver: WebhookReceiver, req: WebhookRequest): WebhookNotice[] {
  let body: unknown;
  try {
    body = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    throw new AppError('validation_failed', 'body: is not valid JSON', { fields: [{ field: 'body', message: 'is not valid JSON' }] });
  }
  let notices: WebhookNotice[];
  try {
    notices = receiver.parse(req, body);
  } catch (err) {
    if (!(err instanceof WebhookPayloadError)) throw err;
    throw new AppError('validation_failed', `body: ${err.message}`, { fields: [{ field: 'body', message: err.message }] });
  }
  return notices.map(storable);
}

/** Longer than any tracker's delivery id (GitHub: a UUID; Jira: digits); the unique index cannot hold much more. */
export const MAX_DELIVERY_ID = 200;
const MAX_EVENT = 200;

/**
 * A notice as Postgres can store it. The delivery id must be kept exactly (it recognises repeats), so a
 * malformed one is refused; the event name is only for logs and counts, so NUL and lone surrogates
 * (which text and jsonb refuse) are replaced and it is cut short.
 */
function storable(n: WebhookNotice): WebhookNotice {
  if (n.deliveryId.length > MAX_DELIVERY_ID || n.deliveryId.includes('\u0000') || !n.deliveryId.isWellFormed()) {
    const message = `the delivery id must be at most ${MAX_DELIVERY_ID} characters of text`;
    throw new AppError('validation_failed', `delivery id: ${message}`, { fields: [{ field: 'delivery id', message }] });
  }
  return { ...n, event: n.event.slice(0, MAX_EVENT).toWellFormed().replaceAll('\u0000', '\ufffd') };
}

function notOpen(tracker: TrackerKind): AppError {
  return new AppError('not_found', `no webhook route for ${tracker}: its webhook secret is not configured`, { resource: 'webhook', id: tracker });
}
