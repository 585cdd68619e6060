// jira.js failures as TrackerErrors. The SDK throws typed errors (ApiError subclasses with the status
// and Jira's parsed body, RateLimitError with Retry-After in ms, NetworkError for transport failures);
// the message is built from Jira's own error body, never from the request, so no credential leaks.
import { isApiError, isNetworkError as isSdkNetworkError, isRateLimitError } from 'jira.js/core';
import { classifyStatus, isNetworkError, TrackerError } from '../errors.ts';

/** Jira's error body: {errorMessages:[…], errors:{field: msg}}; the auth layer answers {message}. */
export function jiraErrorMessage(body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim() || fallback;
  if (typeof body !== 'object' || body === null) return fallback;
  const b = body as { errorMessages?: unknown; errors?: unknown; message?: unknown };
  const parts: string[] = [];
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.filter((m): m is string => typeof m === 'string' && m !== ''));
  if (typeof b.errors === 'object' && b.errors !== null) {
    for (const [field, msg] of Object.entries(b.errors)) parts.push(`${field}: ${String(msg)}`);
  }
  if (typeof b.message === 'string' && b.message) parts.push(b.message);
  return parts.length ? parts.join('; ') : fallback;
}

/** `onTicket`: the request addressed a known issue, so 404 means it is gone (deleted or hidden). */
export function toTrackerError(err: unknown, opts: { onTicket?: boolean } = {}): TrackerError {
  if (err instanceof TrackerError) return err;
  if (isRateLimitError(err)) {
    // Jira's other rate-limit form (only X-RateLimit-Reset, no Retry-After) cannot be read here:
    // the SDK's errors keep no headers, so classifyStatus's default wait applies.
    return classifyStatus('jira', 429, jiraErrorMessage(err.body, 'rate limited'), {
      cause: err,
      ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    });
  }
  if (isApiError(err)) {
    return classifyStatus('jira', err.status, jiraErrorMessage(err.body, err.statusText || `HTTP ${err.status}`), {
      cause: err,
      onTicket: opts.onTicket ?? false,
    });
  }
  if (isSdkNetworkError(err) || isNetworkError(err)) {
    return new TrackerError('jira', 'transient', `jira could not be reached: ${(err as Error).message}`, { cause: err });
  }
  return new TrackerError('jira', 'rejected', `jira request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * A create sent `assignee: null` (the defect has nobody with a Jira account) and Jira refused the
 * assignee ("Issues must be assigned." where a site turns unassigned issues off): say what to change
 * rather than let the project's default assignee stand in for nobody.
 */
export function explainUnassignedRefusal(err: unknown): unknown {
  if (!(err instanceof TrackerError) || err.kind !== 'rejected' || err.status !== 400 || !/\bassignee: /.test(err.message)) return err;
  return new TrackerError(
    'jira',
    'rejected',
    `${err.message} (the defect has no assignee with a Jira account, and Jira would not create the issue unassigned: ` +
      'map the assignee to a Jira account in the people table, or allow unassigned issues in Jira)',
    { status: err.status, cause: err },
  );
}
