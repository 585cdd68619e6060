// One error shape for every failure: {error:{code, message, details?}}. Bad input is always a 4xx
// naming the field; only a fault of ours is a 500, and its internals are logged, never returned.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isDatabaseBusy } from '../store/database-busy.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_reference: 400,
  unauthorized: 401,
  forbidden: 403,
  misdirected_request: 421,
  not_found: 404,
  invalid_transition: 409,
  case_run_not_failed: 409,
  conflict: 409,
  version_mismatch: 412,
  unsupported_media_type: 415,
  tracker_rejected: 422,
  tracker_unavailable: 503,
  admin_disabled: 503,
  database_busy: 503,
};

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** An answer names this many offending fields at most: a body with 90,000 unknown keys must not earn a 7 MB error. */
export const MAX_LISTED_FIELDS = 20;

/** Parses with zod or throws a 400 that names the offending fields (the first MAX_LISTED_FIELDS, then a count). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'header' | 'path'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const all = result.error.issues.flatMap((i) =>
    // An unknown key (often a typo) is named itself, not its parent object.
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: fieldPath([...i.path, k]), message: 'is not a known field' }))
      : [{ field: fieldPath(i.path) || where, message: i.message }],
  );
  const fields = all.slice(0, MAX_LISTED_FIELDS);
  const more = all.length - fields.length;
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ') + (more ? `; and ${more} more` : '');
  throw new AppError('validation_failed', message, { fields, ...(more && { more }) });
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
};

type BodyParserError = Error & { type?: string; status?: number };

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const send = (status: number, code: string, message: string, details?: unknown, top?: object) =>
      res.status(status).json({ error: { code, message, ...top, ...(details !== undefined && { details }) } });

    if (err instanceof AppError) return send(STATUS[err.code], err.code, err.message, err.details, err.top);
    const bp = err as BodyParserError;
    if (bp.type === 'entity.too.large') return send(413, 'payload_too_large', 'request body is larger than 1 MB');
    if (bp.type === 'entity.parse.failed') return send(400, 'malformed_json', 'request body is not valid JSON');
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
      return send(415, 'unsupported_media_type', bp.message);
    }
    if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
      return send(bp.status, 'bad_request', bp.message);
    }
    if (isDatabaseBusy(err)) {
      // A transaction that could not start wrote nothing; API writes all run in one, so sending again is safe.
      log.warn({ method: req.method, path: req.path }, 'database busy: no connection free in time');
      res.set('Retry-After', '1');
      return send(STATUS.database_busy, 'database_busy', 'the database is busy (no connection came free in time); try again shortly');
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    return send(500, 'internal', 'internal error');
  };
}
