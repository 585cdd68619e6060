// Every request carries an id: the caller's X-Request-Id when it is a sane token (so a trace spans the
// proxy, this service and the caller's logs), else a fresh UUID. It goes back in the response header
// and into the request's log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** ≤ 128 characters of [A-Za-z0-9._-]: nothing that could forge a log line or smuggle markup. */
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_ID.test(value);
}

/** pino-http's genReqId: runs first for every request, so even a 401 or a 404 carries the header. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = isSaneRequestId(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
