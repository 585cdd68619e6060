// Who may call /api. With API_TOKEN set: a bearer token from that list. Without it: only clients on the
// loopback interface, judged by the socket's own remote address (a forwarded header could be forged).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x: the addresses a client on this machine's loopback has. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().replace(/^::ffff:/, '');
  return address === '::1' || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v4);
}

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

/** `variable` names the setting in the 401 message (API_TOKEN for /api, METRICS_TOKEN for /metrics). */
export function requireApiAccess(apiTokens: readonly string[], variable = 'API_TOKEN'): RequestHandler {
  const tokens = tokenDigests(apiTokens);
  return (req, res, next) => {
    if (tokens.length === 0) {
      if (isLoopback(req.socket.remoteAddress)) return next();
      res.set('WWW-Authenticate', 'Bearer realm="defect-sync"');
      return next(new AppError('unauthorized', `this API answers only clients on this machine until ${variable} is set; set ${variable} on the service and send Authorization: Bearer <token>`));
    }
    const given = bearerToken(req.get('authorization'));
    if (given !== null && tokenMatches(given, tokens)) return next();
    res.set('WWW-Authenticate', given !== null ? 'Bearer realm="defect-sync", error="invalid_token"' : 'Bearer realm="defect-sync"');
    return next(new AppError('unauthorized', given !== null ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>'));
  };
}
