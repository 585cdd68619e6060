// Operations endpoints, outside /api: liveness, readiness and Prometheus metrics.
//   /healthz  the process answers (open: orchestrators probe it without credentials)
//   /readyz   the database and Redis answer too; 503 with each check's result when not (open, like /healthz:
//             it says which dependency is down and how long it took, never where it lives or how to log in)
//   /metrics  Prometheus text; METRICS_TOKEN set: bearer token required; unset: loopback clients only.
//             A token of its own, because the scraper's config holds it and must not open the admin routes.
import express, { Router, type Express } from 'express';
import type { Ops } from '../ops/ops.ts';
import type { Logger } from '../logger.ts';
import { errorHandler, notFoundRoute } from './errors.ts';
import { noSniff } from './headers.ts';
import { runChecks } from '../ops/readiness.ts';
import { requireApiAccess } from './auth.ts';
import type { HostPolicy } from './hosts.ts';

export function opsRoutes(ops: Ops, metricsTokens: readonly string[], hosts: HostPolicy): Router {
  const r = Router();

  r.get('/healthz', (_req, res) => void res.json({ ok: true }));

  r.get('/readyz', async (_req, res) => {
    const readiness = await runChecks(ops.checks);
    res.status(readiness.ready ? 200 : 503).set('Cache-Control', 'no-store').json(readiness);
  });

  r.get('/metrics', requireApiAccess(metricsTokens, hosts, 'METRICS_TOKEN'), async (_req, res) => {
    const { contentType, body } = await ops.metrics.scrape();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });

  return r;
}

/**
 * The worker role's operations port (METRICS_PORT): the routes above and nothing else, in the API's
 * error shape.
 */
export function opsApp(o: { ops: Ops; metricsTokens: readonly string[]; hosts: HostPolicy; log: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(noSniff);
  app.use(opsRoutes(o.ops, o.metricsTokens, o.hosts));
  app.use(notFoundRoute);
  app.use(errorHandler(o.log));
  return app;
}
