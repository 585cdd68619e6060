// The HTTP transport under jira.js. jira.js 6's own client calls the global fetch with no signal and
// no timeout option (createClient takes host, auth, headers, retry, onSchemaMismatch; see
// node_modules/jira.js/src/core/createClient.ts), so a request abandoned on a deadline would go on
// and could land after a retry. createClient (sdk.ts) accepts any `Client` (one sendRequest method), so
// this one sends the request itself with an AbortSignal that really cancels it on the deadline, and
// remembers Jira's clock from each answer's Date header. It speaks jira.js's wire format (JSON bodies,
// array query values repeated, Basic auth) and throws jira.js's own error classes, so errors.ts reads
// its failures like the SDK's.
import { ApiError, NetworkError, RateLimitError, type Client, type SendRequestOptions } from 'jira.js/core';
import { parseRetryAfter, TrackerError } from '../errors.ts';

export type JiraTransportOptions = {
  baseUrl: string;
  email: string;
  apiToken: string;
  timeoutMs: number;
  /** Told of every HTTP call's answer (its status, or 'network' / 'timeout' when none came): for metrics. */
  onCall?: (status: number | 'network' | 'timeout') => void;
};

export type JiraTransport = Client & {
  /**
   * Jira's clock now, from the Date header of the last answer plus the time since (whole seconds, so
   * up to a second behind), or null before any answer.
   */
  jiraNow(): number | null;
};

export function createJiraTransport(options: JiraTransportOptions): JiraTransport {
  const auth = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString('base64')}`;
  let clock: { jira: number; local: number } | null = null;

  return {
    jiraNow: () => (clock ? clock.jira + (Date.now() - clock.local) : null),

    async sendRequest<T>(request: SendRequestOptions<T>): Promise<T> {
      const method = request.method ?? 'GET';
      const url = urlFor(options.baseUrl, request.url, request.searchParams);
      const hasBody = request.body !== undefined && request.body !== null;
      const deadline = AbortSignal.timeout(options.timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers: {
            Accept: 'application/json',
            ...(hasBody || !['GET', 'HEAD'].includes(method.toUpperCase()) ? { 'Content-Type': 'application/json' } : {}),
            Authorization: auth,
            ...request.headers,
          },
          ...(hasBody && { body: JSON.stringify(request.body) }),
          signal: deadline,
        });
        // The deadline covers the body too: a server may send its headers and stall.
        text = await response.text();
      } catch (err) {
        options.onCall?.(deadline.aborted ? 'timeout' : 'network');
        if (deadline.aborted) {
          throw new TrackerError('jira', 'transient', `jira did not answer ${method} ${request.url} within ${options.timeoutMs} ms`, { cause: err });
        }
        const code = errorCode(err);
        const reason = `${(err as Error)?.message ?? String(err)}${code ? ` (${code})` : ''}`;
        throw new NetworkError(`Request to ${request.url} failed: ${reason}`, { cause: err, transient: true, ...(code && { code }) });
      }
      options.onCall?.(response.status);
      const date = Date.parse(response.headers.get('date') ?? '');
      if (!Number.isNaN(date)) clock = { jira: date, local: Date.now() };

      const body = parseJson(text);
      if (!response.ok) {
        const message = `Request failed: ${response.status} ${response.statusText}`;
        if (response.status === 429) {
          const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
          throw new RateLimitError(message, response.statusText, body, retryAfterMs === undefined ? {} : { retryAfterMs });
        }
        throw new ApiError(message, response.status, response.statusText, body);
      }
      if (response.status === 204 || text === '') return undefined as T;
      // Like jira.js's default ('warn' without the noise): a body off the SDK's schema is handed back as is.
      const parsed = request.schema?.safeParse(body);
      return (parsed?.success ? parsed.data : body) as T;
    },
  };
}

/** jira.js's query format: arrays as repeated parameters, objects as JSON, null and undefined left out. */
function urlFor(baseUrl: string, path: string, searchParams: Record<string, unknown> | undefined): string {
  const url = `${baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(searchParams ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== undefined && item !== null) params.append(key, String(item));
    } else {
      params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
  const query = params.toString();
  return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** fetch hides the reason ("fetch failed") a level or two down the cause chain. */
function errorCode(err: unknown): string | undefined {
  let cursor: unknown = err;
  for (let depth = 0; cursor instanceof Error && depth < 5; depth += 1) {
    const code = (cursor as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cursor = cursor.cause;
  }
  return undefined;
}
