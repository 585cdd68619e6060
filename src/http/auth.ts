// Who may call /api. With API_TOKEN set: a bearer token from that list. Without it: only clients on the
// loopback interface, judged by the socket's own remote address (a forwarded header could be forged),
// that name one of our hosts in Host and, when they send an Origin, come from our own origin: a web page
// the developer opens reaches loopback too, through DNS rebinding or a plain cross-site form (src/http/hosts.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { isLoopback, type HostPolicy } from './hosts.ts';

export { isLoopback } from './hosts.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The configured tokens as the digests tokenMatches compares against. */
export function tokenDigests(tokens: readonly string[]): Buffer[] {
  return tokens.map(digest);
}

/** The token of an `Authorization: Bearer <token>` header, or null when the request carries none. */
export function bearerToken(authorization: string | undefined): string | null {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1] ?? null;
}

/**
 * Compares the given token with every configured one in constant time: equal-length SHA-256 digests
 * through timingSafeEqual, and no early exit, so neither length nor position of a match leaks.
 */
export function tokenMatches(given: string, tokens: readonly Buffer[]): boolean {
  const g = digest(given);
  let match = false;
  for (const t of tokens) match = timingSafeEqual(g, t) || match;
  return match;
}

/**
 * `variable` names the setting in the 401 message (API_TOKEN for /api, METRICS_TOKEN for /metrics).
 * The Host and Origin rules apply only while loopback is the credential: with a token set, a proxy may
 * forward any Host, and a page that does not hold the token gets nothing whatever its Host.
 */
export function requireApiAccess(apiTokens: readonly string[], hosts: HostPolicy, variable = 'API_TOKEN'): RequestHandler {
  const tokens = tokenDigests(apiTokens);
  return (req, res, next) => {
    if (tokens.length === 0) {
      if (!isLoopback(req.socket.remoteAddress)) {
        res.set('WWW-Authenticate', 'Bearer realm="defect-sync"');
        return next(new AppError('unauthorized', `this API answers only clients on this machine until ${variable} is set; set ${variable} on the service and send Authorization: Bearer <token>`));
      }
      const host = req.get('host');
      if (!hosts.hostAllowed(host)) {
        return next(
          new AppError(
            'misdirected_request',
            `Host ${JSON.stringify((host ?? '').slice(0, 100))} is not a name of this service: until ${variable} is set it answers only localhost, 127.0.0.1, [::1], PUBLIC_URL's host and the hosts listed in ALLOWED_HOSTS`,
          ),
        );
      }
      const origin = req.get('origin');
      if (origin !== undefined && !hosts.ownOrigin(req, origin)) {
        return next(new AppError('forbidden', `requests from the page origin ${JSON.stringify(origin.slice(0, 100))} are not accepted here until ${variable} is set`));
      }
      return next();
    }
    const given = bearerToken(req.get('authorization'));
    if (given !== null && tokenMatches(given, tokens)) return next();
    res.set('WWW-Authenticate', given !== null ? 'Bearer realm="defect-sync", error="invalid_token"' : 'Bearer realm="defect-sync"');
    return next(new AppError('unauthorized', given !== null ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>'));
  };
}
