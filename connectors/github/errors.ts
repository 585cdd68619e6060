// GitHub's failures as TrackerErrors. GitHub reports rate limits as 403 as often as 429, so the
// status alone cannot tell a rate limit from a refusal: the headers and the message decide.
import { classifyStatus, isNetworkError, parseRetryAfter, TrackerError } from '../errors.ts';

type GithubErrorBody = {
  message?: unknown;
  errors?: unknown;
};

type ResponseLike = { status: number; headers: Record<string, string | number | undefined>; data?: unknown };

/** GitHub's advice when a secondary rate limit names no wait: at least one minute. */
const SECONDARY_DEFAULT_MS = 60_000;

/** The error text GitHub gave: its message plus the field details of a 422 (never request headers). */
export function githubMessage(data: unknown, fallback: string): string {
  if (typeof data === 'string' && data.trim()) return data.trim().slice(0, 500);
  if (!data || typeof data !== 'object') return fallback;
  const body = data as GithubErrorBody;
  const message = typeof body.message === 'string' && body.message ? body.message : fallback;
  if (!Array.isArray(body.errors) || body.errors.length === 0) return message;
  const details = body.errors.map((e: unknown) => {
    if (typeof e === 'string') return e;
    const { field, code, value, message: text } = (e ?? {}) as Record<string, unknown>;
    const parts = [field ?? '', code ?? ''].filter(Boolean).join(' ');
    return `${parts}${value !== undefined ? ` (${JSON.stringify(value)})` : ''}${text ? `: ${String(text)}` : ''}`;
  });
  return `${message}: ${details.join('; ')}`;
}

function header(headers: ResponseLike['headers'], name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
}

/** The wait a 403/429 asks for, or undefined when it is not a rate limit at all. */
export function rateLimitWait(res: ResponseLike, message: string, now = Date.now()): number | undefined {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = parseRetryAfter(header(res.headers, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const remaining = header(res.headers, 'x-ratelimit-remaining');
  const reset = Number(header(res.headers, 'x-ratelimit-reset'));
  if (remaining === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  if (/rate limit/i.test(message)) return SECONDARY_DEFAULT_MS;
  return res.status === 429 ? SECONDARY_DEFAULT_MS : undefined;
}

/** A 3xx answer: the issue was transferred (or the configured repository renamed or moved). */
export function movedError(what: string, repository: string, res: ResponseLike): TrackerError {
  const location = header(res.headers, 'location') ?? (res.data as { url?: string } | undefined)?.url;
  return new TrackerError(
    'github',
    'moved',
    `github answered ${res.status} for ${what}: it is no longer in ${repository} (transferred, or the repository was renamed or moved)${location ? `; GitHub points to ${location}` : ''}`,
    { status: res.status },
  );
}

/**
 * Any failure of an Octokit call as a TrackerError. `onTicket`: the call addressed an issue we know,
 * so 404/410 mean the issue is gone (404 is also what GitHub answers when it moved somewhere we cannot read).
 */
export function classifyGithubError(err: unknown, what: string, opts: { onTicket?: boolean; timeoutMs?: number } = {}): TrackerError {
  if (err instanceof TrackerError) return err;
  const response = (err as { response?: ResponseLike }).response;
  const minting = installationOfMint(err);
  if (minting !== undefined && response && typeof response.status === 'number') return mintError(err, response, what, minting);
  if (!response || typeof response.status !== 'number') {
    // No HTTP answer: Octokit wraps fetch failures as status 500 with the fetch error as cause.
    const cause = (err as { cause?: unknown }).cause ?? err;
    const timedOut = (cause as { name?: string })?.name === 'TimeoutError' || (err as { name?: string })?.name === 'TimeoutError';
    const text = timedOut
      ? `github did not answer ${what} within ${opts.timeoutMs ?? '?'} ms`
      : `github request for ${what} failed: ${(cause as Error)?.message ?? String(cause)}${isNetworkError(cause) ? '' : ' (no HTTP answer)'}`;
    return new TrackerError('github', 'transient', text, { cause: err });
  }
  const status = response.status;
  const message = githubMessage(response.data, `HTTP ${status}`);
  const wait = rateLimitWait(response, message);
  if (wait !== undefined) {
    return new TrackerError('github', 'rate_limited', `github answered ${status} (rate limited) for ${what}: ${message}`, {
      status,
      retryAfterMs: wait,
      cause: err,
    });
  }
  if (status === 404 && !opts.onTicket) {
    return new TrackerError(
      'github',
      'rejected',
      `github answered 404 for ${what}: ${message} (does the repository exist, and can the token read it?)`,
      { status, cause: err },
    );
  }
  return classifyStatus('github', status, `${message} (${what})`, { onTicket: opts.onTicket ?? false, cause: err });
}

/**
 * The installation whose token a failed request was minting (a GitHub App connector mints one before
 * its first call and again before the cached one expires), or undefined for any other request.
 */
function installationOfMint(err: unknown): string | undefined {
  const url = (err as { request?: { url?: unknown } }).request?.url;
  return typeof url === 'string' ? /\/app\/installations\/(\d+)\/access_tokens(?:\?|$)/.exec(url)?.[1] : undefined;
}

/**
 * A refused mint is about the app's credentials, never the ticket the call was for: its 404 is an
 * unknown installation, not a deleted issue, and its 401 a wrong app ID or private key.
 */
function mintError(err: unknown, response: ResponseLike, what: string, installation: string): TrackerError {
  const status = response.status;
  const message = githubMessage(response.data, `HTTP ${status}`);
  const wait = rateLimitWait(response, message);
  const failed = `GitHub App authentication failed minting an installation token for installation ${installation}`;
  if (wait !== undefined) {
    return new TrackerError('github', 'rate_limited', `github answered ${status} (rate limited): ${failed}: ${message} (${what})`, { status, retryAfterMs: wait, cause: err });
  }
  const hint =
    status === 401
      ? ' (check the app ID and that the private key is the app\'s current one)'
      : status === 404
        ? ' (is the app installed on the repository\'s account, and is the installation ID right?)'
        : status === 403 || status === 422
          ? ' (check the app\'s permissions: Issues read & write, Metadata read)'
          : '';
  return classifyStatus('github', status, `${failed}: ${message}${hint} (${what})`, { onTicket: false, cause: err });
}
