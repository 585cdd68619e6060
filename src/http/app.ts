// The HTTP surface: JSON in, JSON out, one error shape.
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { PrismaClient } from '../db.ts';
import { redactUrl, type Logger } from '../logger.ts';
import { requireApiAccess } from './auth.ts';
import { hostPolicy } from './hosts.ts';
import { DefectStore } from '../store/defects.ts';
import { CaseRunStore } from '../store/case-runs.ts';
import { Reports } from '../store/reports.ts';
import { LinkStore } from '../store/links.ts';
import type { Connector } from '../../connectors/contract.ts';
import type { ConnectionName } from '../sync/connections.ts';
import { AppError } from '../errors.ts';
import { errorHandler, notFoundRoute, parseInput } from './errors.ts';
import { MilestoneParams } from './schemas.ts';
import { defectRoutes } from './defect-routes.ts';
import { commentRoutes } from './comment-routes.ts';
import { CommentStore } from '../store/comments.ts';
import { caseRunRoutes } from './case-run-routes.ts';
import { adminIncidentRoutes, failureRoutes, incidentRoutes, matcherRoutes } from './triage-routes.ts';
import { NO_TRIAGE, type TriageConfig } from '../domain/triage.ts';
import { webhookRoutes, type WebhookDeps, type WebhookOutcome, type WebhookTarget } from './webhook-routes.ts';
import { adminRoutes } from './admin-routes.ts';
import { hookRoutes } from './hook-routes.ts';
import type { HookSettings } from '../hooks/policy.ts';
import { adminGate } from './admin-gate.ts';
import { bullBoard, BOARD_PATH } from './admin-board.ts';
import type { AdminServices } from '../admin/services.ts';
import type { ConnectionChecks } from '../admin/connection-checks.ts';
import { opsRoutes } from './ops-routes.ts';
import { requestId } from './request-id.ts';
import { noSniff } from './headers.ts';
import { openApiDocument } from './openapi.ts';
import { createOps, type Ops } from '../ops/ops.ts';

/** A body that is not JSON would reach the handlers as "no body" and earn a misleading 400. */
const requireJson: RequestHandler = (req, _res, next) => {
  const sendsBody = req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT';
  if (sendsBody && req.headers['content-type'] && req.body === undefined && !req.is('application/json')) {
    return next(new AppError('unsupported_media_type', 'Content-Type must be application/json', { field: 'content-type' }));
  }
  next();
};

/** A request to a webhook receiver (express strips a router's mount path from req.url; originalUrl keeps it). */
const isWebhook = (req: { url?: string; originalUrl?: string }) => (req.originalUrl ?? req.url ?? '').startsWith('/webhooks/');

export type AppDeps = {
  prisma: PrismaClient;
  log: Logger;
  /** API_TOKEN: bearer tokens any of which opens /api; none means loopback clients only. */
  apiTokens?: readonly string[];
  /** The enabled trackers, for linking existing tickets; none by default. */
  connectors?: ReadonlyMap<ConnectionName, Connector>;
  /** Webhook receivers and the inbox they feed; without them no /webhooks route is open. */
  webhooks?: WebhookDeps;
  /** ADMIN_TOKEN: the admin API's bearer token; unset, /admin answers 503. */
  adminToken?: string;
  /** Redis-backed parts of the admin surface (queues, dashboard sessions, webhook counts); see src/admin/services.ts. */
  admin?: AdminServices;
  /** The connections' configuration checks (GET /admin/connections, and the health of /admin/sync-status). */
  checks?: ConnectionChecks;
  /** PUBLIC_URL, when set: the origin a browser behind a TLS proxy shows, accepted by the Origin checks; its host is one of ours. */
  publicUrl?: string;
  /** ALLOWED_HOSTS: more names (besides loopback ones and PUBLIC_URL's) this service answers to while loopback is the credential. */
  allowedHosts?: readonly string[];
  /** Metrics and readiness checks (src/ops/ops.ts); by default the database check and the outbox gauges only. */
  ops?: Ops;
  /** METRICS_TOKEN: bearer tokens any of which opens /metrics; none means loopback clients only. */
  metricsTokens?: readonly string[];
  /** Outgoing webhooks: HOOKS_ALLOW_PRIVATE (refused by default: SSRF). */
  hooks?: Pick<HookSettings, 'allowPrivate'>;
  /** SYNC_CONFIG `triage`: the projects with automatic defects (none by default; signatures and matchers link in every project). */
  triage?: TriageConfig;
};

export function createApp(deps: AppDeps): Express {
  const defects = new DefectStore(deps.prisma);
  const reports = new Reports(deps.prisma);
  const links = new LinkStore(deps.prisma, deps.connectors ?? new Map());
  const ops = deps.ops ?? createOps({ prisma: deps.prisma });
  const admin = deps.admin;
  // Webhook outcomes feed /metrics and the admin sync-status's 24-hour counts (shared through Redis).
  const onWebhook = (target: WebhookTarget, outcome: WebhookOutcome) => {
    ops.metrics.webhook(target, outcome);
    admin?.webhookStats.record(target.connection, outcome);
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(noSniff);
  // One structured line per request; 4xx at warn, 5xx at error. Headers are left out: they carry tokens.
  // A webhook delivery answered 2xx logs at debug: trackers send them by the thousand, each is counted
  // (metrics, /admin/sync-status), and writing the line was a tenth of the webhook route's CPU.
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: requestId,
      customLogLevel: (req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : isWebhook(req) ? 'debug' : 'info',
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  // Before the body is even parsed: an unauthenticated client gets nothing but the 401.
  const hosts = hostPolicy({ publicUrl: deps.publicUrl, allowedHosts: deps.allowedHosts });
  app.use('/api', requireApiAccess(deps.apiTokens ?? [], hosts));
  app.use('/admin', adminGate({ adminToken: deps.adminToken, sessions: admin?.sessions, publicUrl: deps.publicUrl, hosts }));
  if (admin && admin.queues.size > 0) app.use(BOARD_PATH, bullBoard([...admin.queues.values()]));
  // Webhooks are authenticated by their signatures, over the raw body: mounted before the JSON parser.
  if (deps.webhooks) app.use('/webhooks', webhookRoutes(deps.webhooks, onWebhook));
  app.use(express.json({ limit: '1mb' }));
  app.use(requireJson);

  app.use(opsRoutes(ops, { metricsTokens: deps.metricsTokens ?? [], hosts, adminToken: deps.adminToken }));
  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument()));
  app.use('/admin', hookRoutes(deps.prisma, deps.hooks ?? { allowPrivate: false }));
  app.use('/admin', adminIncidentRoutes(deps.prisma, deps.triage ?? NO_TRIAGE));
  app.use('/admin', adminRoutes({ prisma: deps.prisma, links, services: admin, log: deps.log, checks: deps.checks }));
  app.use('/api/defects', defectRoutes(defects, reports, links));
  app.use('/api/defects', commentRoutes(new CommentStore(deps.prisma)));
  const triage = deps.triage ?? NO_TRIAGE;
  app.use('/api/case-runs', caseRunRoutes(new CaseRunStore(deps.prisma, triage), defects));
  const matchers = matcherRoutes(deps.prisma);
  app.use('/api/defects', matchers.defects);
  app.use('/api/matchers', matchers.preview);
  app.use('/api/failures', failureRoutes(deps.prisma));
  app.use('/api/incidents', incidentRoutes(deps.prisma, triage));
  app.get('/api/milestones/:name/readiness', async (req, res) => {
    const { name } = parseInput(MilestoneParams, req.params, 'path');
    res.json(await reports.readiness(name));
  });

  app.use(notFoundRoute);
  app.use(errorHandler(deps.log));
  return app;
}
