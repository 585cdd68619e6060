// Webhook receivers: POST /webhooks/github/<connection>, /webhooks/jira/<connection> (and /webhooks/github,
// /webhooks/jira for the connections named github and jira), /webhooks/asana/<registration id>. The raw
// body is read (size-limited before buffering), its signature verified before anything is parsed or
// stored, then each notice about a linked ticket is recorded (unique per delivery and per signed body)
// and answered: 202 when something new was taken, 200 for a repeat or a notice about no ticket of ours
// (ignored: counted so, and no row). The linked defects' sync jobs are queued behind the answer, many
// deliveries together (Inbox.queueSoon); a row whose jobs could not be queued is queued by the sweep. A connection with no secret configured has no open route: unsigned requests are never trusted.
import express, { Router, type Request, type Response } from 'express';
import type { TrackerKind } from '../../connectors/contract.ts';
import { WebhookPayloadError, type WebhookNotice, type WebhookReceiver, type WebhookRequest } from '../../connectors/webhooks.ts';
import { AppError } from '../errors.ts';
import type { ConnectionName } from '../sync/connections.ts';

export const WEBHOOK_BODY_LIMIT = '1mb';

import type { SignedReceiver, WebhookDeps } from '../inbound/webhook-deps.ts';
export type { SignedReceiver, WebhookDeps };

/**
 * `rejected`: refused although it carried a signature (a wrong secret, a forgery); `unsigned`: refused
 * without one (anyone can send that). Only `rejected` colours a connection's health.
 */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unsigned' | 'handshake';

/** Who a webhook request was for: the connection, or only the kind when the URL named none we have. */
export type WebhookTarget = { connection: ConnectionName; kind: TrackerKind };

export function webhookRoutes(deps: WebhookDeps, onOutcome: (target: WebhookTarget, outcome: WebhookOutcome) => void = () => {}): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  const take = async (target: WebhookTarget, receiver: WebhookReceiver, req: WebhookRequest): Promise<{ status: number; body: object }> => {
    const notices = parse(receiver, req);
    const recorded = await deps.inbox.record(target.connection, notices, 'webhook');
    // Recorded is durable: the jobs are queued behind the answer (a failure there leaves the rows to the sweep).
    deps.inbox.queueSoon(recorded.rows);
    const outcome: WebhookOutcome = recorded.accepted ? 'accepted' : recorded.duplicates ? 'duplicate' : 'ignored';
    onOutcome(target, outcome);
    // The request log line already says a webhook came; the details are for debugging.
    deps.log.debug(
      { connection: target.connection, events: notices.map((n) => n.event), accepted: recorded.accepted, duplicates: recorded.duplicates, ignored: recorded.ignored },
      'webhook received',
    );
    return { status: recorded.accepted ? 202 : 200, body: { accepted: recorded.accepted, duplicates: recorded.duplicates, ignored: recorded.ignored } };
  };

  const refuse = (target: WebhookTarget, message: string, signed: boolean): never => {
    onOutcome(target, signed ? 'rejected' : 'unsigned');
    throw new AppError('unauthorized', message);
  };

  // POST /webhooks/<kind>/<connection>, and /webhooks/<kind> for the connection named after the kind
  // (the environment-only set-up's): a delivery is verified with its connection's secrets only.
  for (const kind of ['github', 'jira'] as const) {
    const handle = async (connection: string, req: Request, res: Response) => {
      const entry = deps.signed.get(connection);
      if (!entry || entry.kind !== kind || entry.secrets.length === 0) throw notOpen(kind, connection);
      const target = { connection, kind };
      const request = asWebhookRequest(req);
      if (!(await entry.receiver.verify(request, entry.secrets))) refuse(target, 'the webhook signature is missing or does not match', entry.receiver.signed(request));
      const answer = await take(target, entry.receiver, request);
      res.status(answer.status).json(answer.body);
    };
    r.post(`/${kind}`, raw, (req, res) => handle(kind, req, res));
    r.post(`/${kind}/:connection`, raw, (req: Request<{ connection: string }>, res) => handle(req.params.connection, req, res));
  }

  r.post('/asana/:registrationId', raw, async (req: Request<{ registrationId: string }>, res) => {
    if (!deps.asana) throw notOpen('asana', 'asana');
    const { receiver, registrations, connections } = deps.asana;
    const id = req.params.registrationId;
    const handshake = req.get('x-hook-secret');
    const unknown = { connection: 'unknown', kind: 'asana' as const };
    if (handshake !== undefined) {
      const connection = await registrations.acceptHandshake(connections, id, handshake);
      // A handshake carries no signature: anyone can send one.
      if (!connection) refuse(unknown, 'no webhook registration of this service is waiting for a handshake at this URL', false);
      onOutcome({ connection: connection!, kind: 'asana' }, 'handshake');
      deps.log.info({ registration: id, connection }, 'asana webhook handshake accepted');
      res.set('X-Hook-Secret', handshake).status(200).end();
      return;
    }
    const found = await registrations.secretFor(connections, id);
    const request = asWebhookRequest(req);
    if (!found) refuse(unknown, 'no active webhook registration at this URL', receiver.signed(request));
    const target = { connection: found!.connection, kind: 'asana' as const };
    if (!(await receiver.verify(request, [found!.secret]))) refuse(target, 'the webhook signature is missing or does not match', receiver.signed(request));
    const answer = await take(target, receiver, request);
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

function notOpen(kind: TrackerKind, connection: string): AppError {
  return new AppError('not_found', `no webhook route for ${kind} connection ${connection}: no such connection, or its webhook secret is not configured`, {
    resource: 'webhook',
    id: connection,
  });
}
