// The door to /admin. Without ADMIN_TOKEN everything under /admin answers 503 saying so: an open admin
// surface is never the fallback. The dashboard page and its script are served to anyone (they hold no
// data); every other route needs the admin token as a bearer token, or the session cookie the page's
// sign-in form gets (src/admin/sessions.ts). Any request that changes something must come from this
// origin: a browser always sends Origin on such requests, so one from another site (or a cookie-carrying
// request without Origin) is refused 403; API clients using the bearer token send none and pass.
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { AdminSessions } from '../admin/sessions.ts';
import { SESSION_COOKIE, SESSION_TTL_SECONDS } from '../admin/sessions.ts';
import { adminAsset } from '../admin/assets.ts';
import { bearerToken, tokenDigests, tokenMatches } from './auth.ts';
import type { HostPolicy } from './hosts.ts';
import { parseInput } from './errors.ts';

export type AdminGateOptions = {
  adminToken: string | undefined;
  /** Without sessions (no Redis) only the bearer token opens the admin routes. */
  sessions: AdminSessions | undefined;
  /** PUBLIC_URL: behind a TLS proxy the browser's Origin is this one, not the Host the service sees. */
  publicUrl?: string | undefined;
  /** Which Origin is ours: PUBLIC_URL's, or one naming the request's Host when that Host is an allowed name, never the Host alone. */
  hosts: HostPolicy;
};

const SignIn = z.strictObject({ token: z.string('must be the admin token').min(1, 'must not be empty').max(1000, 'must be at most 1000 characters') });

/** The page's security headers: no inline script or style, no framing, nothing cached. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function adminGate(o: AdminGateOptions): Router {
  const r = Router();
  const token = o.adminToken;
  const digests = tokenDigests(token ? [token] : []);
  const publicOrigin = o.publicUrl ? new URL(o.publicUrl).origin : undefined;

  const secure = (req: Request) => req.secure || publicOrigin?.startsWith('https:') === true;

  r.use((_req, res, next) => {
    if (!token) return next(new AppError('admin_disabled', 'the admin API is off: set ADMIN_TOKEN (16+ characters) on the service to use it'));
    res.set('X-Frame-Options', 'DENY').set('X-Content-Type-Options', 'nosniff').set('Referrer-Policy', 'no-referrer');
    next();
  });

  r.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const origin = req.get('origin');
    // Without Origin: a bearer client passes; signing in (a browser's form) and anything carrying our session
    // cookie are refused; anything else goes on to the token check (401 without a valid one).
    const suspect = req.path === '/session' || sessionId(req) !== undefined;
    if (origin === undefined ? hasBearer(req) || !suspect : o.hosts.ownOrigin(req, origin)) return next();
    next(new AppError('forbidden', origin === undefined ? 'a request that changes something must carry the Origin header (or the bearer token)' : `requests from ${origin} are not accepted here`));
  });

  for (const name of ['index.html', 'app.js', 'app.css'] as const) {
    r.get(name === 'index.html' ? '/' : `/${name}`, (req, res) => {
      // '/admin/' would resolve the page's relative paths differently: one address for the page.
      if (name === 'index.html' && req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/admin');
      const asset = adminAsset(name);
      res.set('Content-Type', asset.type).set('Cache-Control', 'no-store').set('Content-Security-Policy', PAGE_CSP).send(asset.body);
    });
  }

  r.post('/session', express.json({ limit: '4kb' }), async (req, res) => {
    const { token: given } = parseInput(SignIn, req.body ?? {}, 'body');
    if (!tokenMatches(given, digests)) throw new AppError('unauthorized', 'token: the admin token is not valid', { fields: [{ field: 'token', message: 'is not valid' }] });
    if (!o.sessions) throw new AppError('admin_disabled', 'dashboard sessions need Redis, which this process was started without; use the bearer token');
    const id = await o.sessions.create(token!);
    res.set('Set-Cookie', cookie(secure(req), id, SESSION_TTL_SECONDS)).json({ expiresInSeconds: SESSION_TTL_SECONDS });
  });

  r.delete('/session', async (req, res) => {
    const id = sessionId(req);
    if (id && o.sessions) await o.sessions.end(token!, id);
    res.set('Set-Cookie', cookie(secure(req), '', 0)).status(204).end();
  });

  r.use(async (req, res, next) => {
    const given = bearerToken(req.get('authorization'));
    if (given !== null && tokenMatches(given, digests)) return next();
    const id = given === null ? sessionId(req) : undefined;
    if (id && o.sessions && (await o.sessions.valid(token!, id))) return next();
    res.set('WWW-Authenticate', 'Bearer realm="defect-sync-admin"');
    next(new AppError('unauthorized', given !== null ? 'the admin token is not valid' : id ? 'the session has ended; sign in again' : 'send Authorization: Bearer <ADMIN_TOKEN>, or sign in at /admin'));
  });
  return r;
}

function hasBearer(req: Request): boolean {
  return bearerToken(req.get('authorization')) !== null;
}

function sessionId(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/admin (nowhere else). */
function cookie(secure: boolean, value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}
