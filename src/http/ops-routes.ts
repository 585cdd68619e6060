// Operations endpoints, outside /api: liveness, readiness and Prometheus metrics.
//   /healthz  the process answers (open: orchestrators probe it without credentials)
//   /readyz   the database and Redis answer too; 503 when not. Open, like /healthz, but only the admin
//             (bearer ADMIN_TOKEN) and callers on this machine (loopback, under one of our host names) see
//             each check's duration and error text; others learn which dependency is ready, nothing more:
//             a driver's error names the dependency's host and port (review #26).
//   /metrics  Prometheus text; METRICS_TOKEN set: bearer token required; unset: loopback clients only.
//             A token of its own, because the scraper's config holds it and must not open the admin routes.
import express, { Router, type Express, type Request } from 'express';
import type { Ops } from '../ops/ops.ts';
import type { Logger } from '../logger.ts';
import { errorHandler, notFoundRoute } from './errors.ts';
import { noSniff } from './headers.ts';
import { runChecks } from '../ops/readiness.ts';
import { bearerToken, isLoopback, requireApiAccess, tokenDigests, tokenMatches } from './auth.ts';
import type { HostPolicy } from './hosts.ts';
import type { Readiness } from '../ops/readiness.ts';

export type OpsRouteOptions = {
  /** METRICS_TOKEN: bearer tokens for /metrics; empty: loopback clients only. */
  metricsTokens: readonly string[];
  hosts: HostPolicy;
  /** ADMIN_TOKEN: its bearer sees /readyz's details from anywhere. */
  adminToken?: string | undefined;
};

/** Which dependency is ready, without durations or error texts. */
function bare(readiness: Readiness): { ready: boolean; checks: Record<string, { ok: boolean }> } {
  return { ready: readiness.ready, checks: Object.fromEntries(Object.entries(readiness.checks).map(([name, c]) => [name, { ok: c.ok }])) };
}

export function opsRoutes(ops: Ops, o: OpsRouteOptions): Router {
  const r = Router();
  const admin = tokenDigests(o.adminToken ? [o.adminToken] : []);
  const seesDetails = (req: Request) => {
    if (isLoopback(req.socket.remoteAddress) && o.hosts.hostAllowed(req.get('host'))) return true;
    const given = bearerToken(req.get('authorization'));
    return given !== null && admin.length > 0 && tokenMatches(given, admin);
  };

  r.get('/healthz', (_req, res) => void res.json({ ok: true }));

  r.get('/readyz', async (req, res) => {
    const readiness = await runChecks(ops.checks);
    res.status(readiness.ready ? 200 : 503).set('Cache-Control', 'no-store').json(seesDetails(req) ? readiness : bare(readiness));
  });

  r.get('/metrics', requireApiAccess(o.metricsTokens, o.hosts, 'METRICS_TOKEN'), async (_req, res) => {
    const { contentType, body } = await ops.metrics.scrape();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });

  return r;
}

/**
 * The worker role's operations port (METRICS_PORT): the routes above and nothing else, in the API's
 * error shape.
 */
export function opsApp(o: OpsRouteOptions & { ops: Ops; log: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(noSniff);
  app.use(opsRoutes(o.ops, o));
  app.use(notFoundRoute);
  app.use(errorHandler(o.log));
  return app;
}
