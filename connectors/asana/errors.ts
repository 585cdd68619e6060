// Turns what the asana SDK rejects with into a TrackerError. The SDK (superagent underneath) rejects
// with superagent's error: `status` and `response` ({ body, headers }) for HTTP errors, `code`
// ('ECONNABORTED' with `timeout` set on a timeout, 'ECONNREFUSED'…) for network failures. That error
// holds the request, Authorization header included, so it is never passed on as the cause.
import { TrackerError, classifyStatus, isNetworkError, parseRetryAfter } from '../errors.ts';

type SuperagentError = {
  status?: number;
  code?: string;
  timeout?: number;
  message?: string;
  response?: { body?: unknown; text?: string; headers?: Record<string, string | undefined> };
};

/** Asana's error body: { errors: [{ message, help?, phrase? }] }. */
export function asanaMessage(body: unknown, fallback: string): string {
  const errors = (body as { errors?: { message?: unknown; phrase?: unknown }[] } | null)?.errors;
  if (!Array.isArray(errors) || !errors.length) return fallback;
  const parts = errors.map((e) => {
    const message = typeof e?.message === 'string' ? e.message : fallback;
    // The phrase is what Asana support asks for when a 500 is reported.
    return typeof e?.phrase === 'string' ? `${message} (phrase: ${e.phrase})` : message;
  });
  return parts.join('; ');
}

export function classifyAsanaError(err: unknown, opts: { onTicket?: boolean } = {}): TrackerError {
  if (err instanceof TrackerError) return err;
  const e = (err ?? {}) as SuperagentError;
  if (typeof e.status === 'number' && e.response) {
    const retryAfterMs = parseRetryAfter(e.response.headers?.['retry-after']);
    const message = asanaMessage(e.response.body, e.message ?? `HTTP ${e.status}`);
    return classifyStatus('asana', e.status, message, { ...(retryAfterMs !== undefined && { retryAfterMs }), ...(opts.onTicket && { onTicket: true }) });
  }
  const cause = Object.assign(new Error(e.message ?? String(err)), e.code ? { code: e.code } : {});
  if (e.timeout !== undefined || isNetworkError(err)) {
    const what = e.timeout !== undefined ? `timed out after ${e.timeout} ms` : `network error (${e.code ?? e.message})`;
    return new TrackerError('asana', 'transient', `asana request ${what}`, { cause });
  }
  // Anything else (an unparseable answer, a proxy speaking HTML) is worth another try later.
  return new TrackerError('asana', 'transient', `asana request failed: ${e.message ?? String(err)}`, { cause });
}
