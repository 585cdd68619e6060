// The admin API's JSON routes (behind adminGate: bearer ADMIN_TOKEN or a dashboard session).
//   GET  /admin/sync-status                        per connection health, queues, last success/failure, links, webhooks, polls, last check; outbox
//   GET  /admin/connections                        per connection configuration check (credential, target, create fields, webhook), at most 60 s old
//   GET  /admin/links?state=&connection=&tracker=  links in trouble across all defects (paged)
//   GET  /admin/activity?connection=&tracker=      recent sync attempts across all defects (paged)
//   GET  /admin/conflicts?connection=&tracker=     conflicts decided by two-way sync (paged)
//   GET  /admin/defects/:idOrKey/sync              one defect: each link with its snapshot, its activity and conflicts
//   POST /admin/defects/:idOrKey/resync            {connection?}: sync again now (a missing ticket is re-checked first)
//   POST /admin/links/retry                        {state: [...], connection?}: the same for every link in those states
//   POST /admin/connections/:name/backfill         {status?, project?, since?}: tickets for existing defects its routes name (src/admin/backfill.ts)
//   GET  /admin/connections/:name/backfill         that backfill's progress
// (`tracker` filters by kind: every connection of it.)
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../db.ts';
import { AppError } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { TRACKER_KINDS, type TrackerKind } from '../../connectors/contract.ts';
import { CONNECTION_NAME } from '../sync/connections.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { findDefect } from '../store/find.ts';
import { linkView } from '../store/views.ts';
import type { LinkStore } from '../store/links.ts';
import type { AdminServices } from '../admin/services.ts';
import { syncStatus, SYNC_STATES } from '../admin/sync-status.ts';
import { Requeue } from '../admin/requeue.ts';
import { Backfills } from '../admin/backfill.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionChecks } from '../admin/connection-checks.ts';
import { parseInput } from './errors.ts';
import { csv, StartBackfill } from './schemas.ts';

const tracker = z.enum(TRACKER_KINDS, `must be one of ${TRACKER_KINDS.join(', ')}`);
const connection = z.string().regex(CONNECTION_NAME, 'must be a connection name (a-z, 0-9 and "-", up to 40)');
const limit = z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50);
const MAX_BIGINT = 2n ** 63n - 1n;
const idCursor = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, 'must be a cursor returned as nextCursor')
  .transform((v) => BigInt(v))
  // Ids are Postgres bigints: a larger number was never a cursor (and would fail the query).
  .refine((v) => v <= MAX_BIGINT, 'must be a cursor returned as nextCursor');

const Page = z.strictObject({ limit, cursor: idCursor.optional(), tracker: tracker.optional(), connection: connection.optional() });

/** Links are paged newest change first: the cursor is the last row's update time and id. */
const LinksQuery = z.strictObject({
  state: csv(SYNC_STATES).default(['failed', 'retrying', 'missing']),
  tracker: tracker.optional(),
  connection: connection.optional(),
  limit,
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}\.[0-9a-f-]{36}$/, 'must be a cursor returned as nextCursor')
    .transform((v) => ({ at: new Date(Number(v.split('.')[0])), id: v.split('.')[1]! }))
    .optional(),
});

/** `tracker`: every connection of that kind (what the field meant before connections). */
const Resync = z.strictObject({ connection: connection.optional(), tracker: tracker.optional() });
const Retry = z.strictObject({
  state: z
    .array(z.enum(['failed', 'retrying', 'missing', 'pending'], 'must be one of failed, retrying, missing, pending'))
    .min(1, 'name at least one state')
    .max(4),
  connection: connection.optional(),
  tracker: tracker.optional(),
});

/** What the admin routes act as in the status history and outbox (an admin token names no person). */
const ADMIN_ACTOR = 'admin';
const ACTIVITY_SHOWN = 50;
const CONFLICTS_SHOWN = 20;

export function adminRoutes(deps: { prisma: PrismaClient; links: LinkStore; services: AdminServices | undefined; log: Logger; checks?: ConnectionChecks | undefined }): Router {
  const { prisma } = deps;
  const r = Router();
  const services = (): AdminServices => {
    if (deps.services) return deps.services;
    throw new AppError('admin_disabled', 'this route needs Redis (queues), which this process was started without');
  };
  const requeue = async () => new Requeue(prisma, services().queues, deps.links, { kinds: await kindsOf(prisma), routes: services().routes });
  let backfills: Backfills | undefined;
  const backfill = () => (backfills ??= new Backfills({ prisma, log: deps.log, ...services() }));

  r.get('/sync-status', async (_req, res) => {
    const s = services();
    res
      .set('Cache-Control', 'no-store')
      .json(await syncStatus({ prisma, queues: s.queues, kinds: await kindsOf(prisma), webhookStats: s.webhookStats, backfills: backfill(), ...(deps.checks && { checks: deps.checks.latest() }) }));
  });

  /** The configuration check of every configured connection (run now unless the last is under a minute old). */
  r.get('/connections', async (_req, res) => {
    if (!deps.checks) throw new AppError('admin_disabled', 'this process was started without configuration checks');
    const connections = await deps.checks.fresh();
    res.set('Cache-Control', 'no-store').json({ generatedAt: new Date().toISOString(), connections });
  });

  r.get('/links', async (req, res) => {
    const q = parseInput(LinksQuery, req.query, 'query');
    const where: Prisma.TrackerLinkWhereInput = {
      syncState: { in: q.state },
      ...(q.tracker && { tracker: q.tracker }),
      ...(q.connection && { connection: q.connection }),
      ...(q.cursor && { OR: [{ updatedAt: { lt: q.cursor.at } }, { updatedAt: q.cursor.at, id: { lt: q.cursor.id } }] }),
    };
    const rows = await prisma.trackerLink.findMany({
      where,
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      include: { defect: { select: { number: true, title: true } } },
    });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      data: page.map((l) => ({ defect: formatDefectKey(l.defect.number), defectId: l.defectId, title: l.defect.title, ...linkView(l), updatedAt: l.updatedAt.toISOString() })),
      nextCursor: rows.length > q.limit && last ? `${last.updatedAt.getTime()}.${last.id}` : null,
    });
  });

  r.get('/activity', async (req, res) => {
    const q = parseInput(Page, req.query, 'query');
    const { limit: take, cursor } = q;
    const kinds = await kindsOf(prisma);
    const rows = await prisma.syncActivity.findMany({
      where: { ...connectionFilter(q, kinds), ...(cursor !== undefined && { id: { lt: cursor } }) },
      orderBy: { id: 'desc' },
      take: take + 1,
      include: { defect: { select: { number: true } } },
    });
    const page = rows.slice(0, take);
    res.json({ data: page.map((a) => ({ defect: formatDefectKey(a.defect.number), ...activityView(a, kinds) })), nextCursor: rows.length > take ? String(page.at(-1)!.id) : null });
  });

  /** Conflicts decided by two-way sync, newest first: both values, both times, the winner. */
  r.get('/conflicts', async (req, res) => {
    const q = parseInput(Page, req.query, 'query');
    const { limit: take, cursor } = q;
    const kinds = await kindsOf(prisma);
    const rows = await prisma.syncConflict.findMany({
      where: { ...connectionFilter(q, kinds), ...(cursor !== undefined && { id: { lt: cursor } }) },
      orderBy: { id: 'desc' },
      take: take + 1,
      include: { defect: { select: { number: true } } },
    });
    const page = rows.slice(0, take);
    res.json({
      data: page.map((c) => ({ defect: formatDefectKey(c.defect.number), defectId: c.defectId, ...conflictView(c, kinds) })),
      nextCursor: rows.length > take ? String(page.at(-1)!.id) : null,
    });
  });

  r.get('/defects/:idOrKey/sync', async (req: Request<{ idOrKey: string }>, res) => {
    const defect = await findDefect(prisma, req.params.idOrKey);
    const [links, activity, conflicts, kinds] = await Promise.all([
      prisma.trackerLink.findMany({ where: { defectId: defect.id }, orderBy: [{ tracker: 'asc' }, { connection: 'asc' }] }),
      prisma.syncActivity.findMany({ where: { defectId: defect.id }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: ACTIVITY_SHOWN }),
      prisma.syncConflict.findMany({ where: { defectId: defect.id }, orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }], take: CONFLICTS_SHOWN }),
      kindsOf(prisma),
    ]);
    res.json({
      defect: { id: defect.id, key: formatDefectKey(defect.number), title: defect.title, status: defect.status, version: defect.version, updatedAt: defect.updatedAt.toISOString() },
      links: links.map((l) => ({ ...linkView(l), snapshot: l.snapshot, syncedVersion: l.syncedVersion, createdAt: l.createdAt.toISOString() })),
      activity: activity.map((a) => activityView(a, kinds)),
      conflicts: conflicts.map((c) => conflictView(c, kinds)),
    });
  });

  r.post('/defects/:idOrKey/resync', async (req: Request<{ idOrKey: string }>, res) => {
    const target = parseInput(Resync, req.body ?? {}, 'body');
    res.status(202).json(await (await requeue()).resync(req.params.idOrKey, target, ADMIN_ACTOR));
  });

  r.post('/links/retry', async (req, res) => {
    const { state, connection: c, tracker: t } = parseInput(Retry, req.body ?? {}, 'body');
    res.status(202).json(await (await requeue()).retry(state, { connection: c, tracker: t }, ADMIN_ACTOR));
  });

  r.post('/connections/:name/backfill', async (req: Request<{ name: string }>, res) => {
    const filters = parseInput(StartBackfill, req.body ?? {}, 'body');
    res.status(202).json(await backfill().start(req.params.name, filters));
  });

  r.get('/connections/:name/backfill', async (req: Request<{ name: string }>, res) => {
    res.set('Cache-Control', 'no-store').json(await backfill().progress(req.params.name));
  });

  return r;
}

/** Each connection's kind (retired ones too): activity and conflict rows carry only the connection. */
async function kindsOf(prisma: PrismaClient): Promise<Map<string, TrackerKind>> {
  return new Map((await prisma.connection.findMany({ select: { name: true, kind: true } })).map((c) => [c.name, c.kind]));
}

/** `?connection=` as it is; `?tracker=` as every connection of that kind. */
function connectionFilter(q: { connection?: string | undefined; tracker?: TrackerKind | undefined }, kinds: ReadonlyMap<string, TrackerKind>) {
  const names = [...kinds].filter(([name, kind]) => (q.tracker === undefined || kind === q.tracker) && (q.connection === undefined || name === q.connection)).map(([n]) => n);
  return q.connection === undefined && q.tracker === undefined ? {} : { connection: { in: names } };
}

type ActivityRow = { id: bigint; connection: string; direction: string; pushed: string[]; pulled: string[]; outcome: string; conflicts: string[]; error: string | null; at: Date };

function activityView(a: ActivityRow, kinds: ReadonlyMap<string, TrackerKind>) {
  return { id: String(a.id), connection: a.connection, tracker: kinds.get(a.connection) ?? null, direction: a.direction, pushed: a.pushed, pulled: a.pulled, outcome: a.outcome, conflicts: a.conflicts, error: a.error, at: a.at.toISOString() };
}

type ConflictRow = {
  id: bigint;
  connection: string;
  field: string;
  defectValue: unknown;
  remoteValue: unknown;
  defectChangedAt: Date | null;
  remoteChangedAt: Date | null;
  winner: string;
  decidedAt: Date;
};

function conflictView(c: ConflictRow, kinds: ReadonlyMap<string, TrackerKind>) {
  return {
    id: String(c.id),
    connection: c.connection,
    tracker: kinds.get(c.connection) ?? null,
    field: c.field,
    defectValue: c.defectValue,
    remoteValue: c.remoteValue,
    defectChangedAt: c.defectChangedAt?.toISOString() ?? null,
    remoteChangedAt: c.remoteChangedAt?.toISOString() ?? null,
    winner: c.winner,
    decidedAt: c.decidedAt.toISOString(),
  };
}
