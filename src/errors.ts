// Errors the service raises on purpose. Each code maps to exactly one HTTP status (src/http/errors.ts),
// so the store can say what went wrong without knowing about HTTP.

export type ErrorCode =
  | 'validation_failed'
  | 'invalid_reference'
  | 'not_found'
  | 'invalid_transition'
  | 'case_run_not_failed'
  | 'version_mismatch'
  | 'conflict'
  | 'unauthorized'
  /** Authenticated, but the request is refused (e.g. a browser POST from another origin). */
  | 'forbidden'
  /** The Host header names a host this service does not answer to (DNS rebinding, see src/http/hosts.ts). */
  | 'misdirected_request'
  | 'unsupported_media_type'
  /** The tracker refused what we asked (bad credentials, a ticket outside the configured project...). */
  | 'tracker_rejected'
  /** The tracker did not answer usefully (5xx, timeout, rate limit); trying later may work. */
  | 'tracker_unavailable'
  /** ADMIN_TOKEN is not set, so the admin API is off. */
  | 'admin_disabled'
  /** No database connection came free in time (every pooled connection busy); trying again shortly works. */
  | 'database_busy';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Fields shown beside code and message rather than under details (e.g. invalid_transition's from/to/allowed). */
  readonly top: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, top?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.top = top;
  }
}

export const notFound = (what: string, ref: string): AppError =>
  new AppError('not_found', `${what} ${ref} was not found`, { resource: what, id: ref });
