// Backfill (issue 14): tickets in a connection for defects that existed before it did (or before a route
// named it). Routing is otherwise decided only at a defect's change (src/outbox/relay.ts), so without this
// an old defect reaches a new connection at its next edit or never.
//
// One backfill per connection at a time. It walks the defects in id order a page at a time (never all in
// memory), keeps those with no link to the connection that match the filters (SQL) and whose route names
// it (routeDefect, the relay's own rule), records each as an item and queues one low-priority job per
// defect (backfillJobOptions). Progress is the items joined with the links: done = a ticket exists,
// failed = the tracker refused it. Never two tickets: one job id per defect and run, and the engine
// creates only where no link exists (and searches the marker after an attempt of unknown outcome).
import type { Queue } from 'bullmq';
import { Prisma, type DefectStatus } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Severity } from '../domain/severity.ts';
import type { ConnectionName } from '../sync/connections.ts';
import { routeDefect } from '../sync/routes.ts';
import type { Route } from '../sync/sync-config.ts';
import { backfillJobOptions, type SyncJobData } from '../outbox/queues.ts';
import { AppError, notFound } from '../errors.ts';

export type BackfillFilters = { status?: DefectStatus[]; project?: string[]; since?: string };

/** none: never run; queuing: the walk goes on; running: all queued, not all linked; stalled: no progress for STALL_MS. */
export type BackfillState = 'none' | 'queuing' | 'running' | 'stalled' | 'finished';

export type BackfillProgress = {
  connection: ConnectionName;
  state: BackfillState;
  filters: BackfillFilters;
  matched: number;
  queued: number;
  done: number;
  failed: number;
  startedAt: string | null;
  queuedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
};

/** Defects read per step of the walk. */
const PAGE = 1000;
/**
 * No page queued and no new link for this long: the walk died with its process, or Redis lost the jobs.
 * A stalled backfill no longer blocks a new one, which queues whatever still has no link.
 */
export const STALL_MS = 10 * 60_000;

export type BackfillDeps = {
  prisma: PrismaClient;
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  routes: readonly Route[] | undefined;
  log: Logger;
  /** Aborted at shutdown: the walk stops between pages (a later call starts again). */
  stopping: AbortSignal;
  /** Keeps the walk's promise, so shutdown waits for its page to finish. */
  track: (walk: Promise<void>) => void;
};

type Row = {
  connection: string;
  run: number;
  filters: BackfillFilters;
  startedAt: Date;
  queuedAt: Date | null;
  finishedAt: Date | null;
  lastError: string | null;
  stalled: boolean;
  /** Stamped at finish, else counted from the items. */
  matched: number;
  queued: number;
  done: number;
  failed: number;
};

export class Backfills {
  private readonly deps: BackfillDeps;

  constructor(deps: BackfillDeps) {
    this.deps = deps;
  }

  /** Starts a backfill of `connection` and answers its first progress; 409 while another one runs. */
  async start(connection: ConnectionName, filters: BackfillFilters): Promise<BackfillProgress> {
    await this.known(connection, 'start');
    const run = await this.deps.prisma.$transaction(async (tx) => {
      // The row lock serialises two calls: the second sees the first's run queuing.
      const [locked] = await tx.$queryRaw<{ run: number }[]>`SELECT run FROM "Backfill" WHERE connection = ${connection} FOR UPDATE`;
      if (!locked) {
        const [created] = await tx.$queryRaw<{ run: number }[]>`
          INSERT INTO "Backfill" (connection, filters) VALUES (${connection}, ${JSON.stringify(filters)}::jsonb) ON CONFLICT DO NOTHING RETURNING run`;
        if (!created) throw new AppError('conflict', `a backfill of ${connection} is starting; GET /admin/connections/${connection}/backfill for its progress`);
        return created.run;
      }
      const current = view((await readRows(tx, [connection]))[0]!);
      if (current.state === 'queuing' || (current.state === 'running' && !complete(current))) {
        throw new AppError(
          'conflict',
          `a backfill of ${connection} is running (started ${current.startedAt}, ${current.done} of ${current.matched} done); GET /admin/connections/${connection}/backfill for its progress`,
          { backfill: current },
        );
      }
      await tx.$executeRaw`DELETE FROM "BackfillItem" WHERE connection = ${connection}`;
      const [next] = await tx.$queryRaw<{ run: number }[]>`
        UPDATE "Backfill" SET run = run + 1, filters = ${JSON.stringify(filters)}::jsonb, "startedAt" = now(), "progressAt" = now(),
          "queuedAt" = NULL, "finishedAt" = NULL, matched = NULL, queued = NULL, done = NULL, failed = NULL, "lastError" = NULL
        WHERE connection = ${connection} RETURNING run`;
      return next!.run;
    });
    // The walk goes on after the answer: 100,000 defects take a while to queue; progress shows it.
    this.deps.track(this.walk(connection, run, filters));
    return this.progress(connection);
  }

  async progress(connection: ConnectionName): Promise<BackfillProgress> {
    await this.known(connection, 'read');
    return (await this.progressOf([connection])).get(connection) ?? none(connection);
  }

  /** The latest backfill of each connection named that has one (the dashboard's cards). */
  async progressOf(connections: readonly ConnectionName[]): Promise<Map<ConnectionName, BackfillProgress>> {
    const rows = await readRows(this.deps.prisma, connections);
    const out = new Map<ConnectionName, BackfillProgress>();
    for (const row of rows) {
      const p = view(row);
      out.set(row.connection, complete(p) ? await this.finish(row, p) : p);
    }
    return out;
  }

  /** Every matched defect linked or refused: the counts are kept on the row and the items go. */
  private async finish(row: Row, p: BackfillProgress): Promise<BackfillProgress> {
    const { prisma } = this.deps;
    const [stamped] = await prisma.$transaction(async (tx) => {
      const at = await tx.$queryRaw<{ finishedAt: Date }[]>`
        UPDATE "Backfill" SET "finishedAt" = now(), matched = ${p.matched}, queued = ${p.queued}, done = ${p.done}, failed = ${p.failed}
        WHERE connection = ${row.connection} AND run = ${row.run} AND "finishedAt" IS NULL RETURNING "finishedAt"`;
      // Only when this call stamped it: a newer run's items are not this one's to delete.
      if (at.length) await tx.$executeRaw`DELETE FROM "BackfillItem" WHERE connection = ${row.connection}`;
      return at;
    });
    return stamped ? { ...p, state: 'finished', finishedAt: stamped.finishedAt.toISOString() } : ((await this.progressOf([row.connection])).get(row.connection) ?? p);
  }

  /** 404 for a name no configuration ever had; a retired connection has no queue to fill (409), but its last backfill can be read. */
  private async known(connection: ConnectionName, purpose: 'start' | 'read'): Promise<void> {
    if (this.deps.queues.has(connection)) return;
    const row = await this.deps.prisma.connection.findUnique({ where: { name: connection }, select: { status: true } });
    if (!row) throw notFound('connection', connection);
    if (purpose === 'start') {
      throw new AppError('conflict', `connection ${connection} is ${row.status === 'retired' ? 'retired (no longer in the configuration)' : 'not configured in this process'}: it has no queue to backfill`);
    }
  }

  private async walk(connection: ConnectionName, run: number, filters: BackfillFilters): Promise<void> {
    const { prisma, queues, routes, log, stopping } = this.deps;
    const queue = queues.get(connection)!;
    const all = [...queues.keys()];
    let after: string | null = null;
    try {
      for (;;) {
        // Ended here, it shows stalled at once: a call after the restart starts again.
        if (stopping.aborted) throw new Error('stopped by shutdown before every defect was queued');
        const page: Candidate[] = await prisma.$queryRaw<Candidate[]>(candidates(connection, filters, after));
        if (page.length === 0) {
          await prisma.$executeRaw`UPDATE "Backfill" SET "queuedAt" = now(), "progressAt" = now() WHERE connection = ${connection} AND run = ${run}`;
          log.info({ connection, run }, 'backfill: every matching defect is queued');
          return;
        }
        after = page.at(-1)!.id;
        // Still this run's (a newer run replaced a stalled one: its own walk does the work).
        const ours = await prisma.$executeRaw`UPDATE "Backfill" SET "progressAt" = now() WHERE connection = ${connection} AND run = ${run} AND "finishedAt" IS NULL`;
        if (!ours) return;
        const ids = page.filter((d) => routeDefect({ project: d.project, severity: d.severity, tags: d.tags }, routes, all).includes(connection)).map((d) => d.id);
        if (ids.length === 0) continue;
        // The item first: a job that runs at once is then already counted.
        await prisma.$executeRaw`INSERT INTO "BackfillItem" (connection, "defectId") SELECT ${connection}, unnest(${ids}::uuid[]) ON CONFLICT DO NOTHING`;
        const data = (defectId: string): SyncJobData => ({ outboxId: 'backfill', defectId, kind: 'defect.updated', version: 0, fields: [] });
        await queue.addBulk(ids.map((id) => ({ name: 'backfill', data: data(id), opts: backfillJobOptions(run, id) })));
        await prisma.$executeRaw`UPDATE "BackfillItem" SET queued = true WHERE connection = ${connection} AND "defectId" = ANY(${ids}::uuid[])`;
      }
    } catch (err) {
      // The backfill then stalls: a new call starts over with whatever still has no link.
      log.error({ err, connection, run }, 'backfill: queuing stopped');
      await prisma.$executeRaw`UPDATE "Backfill" SET "lastError" = ${(err as Error).message} WHERE connection = ${connection} AND run = ${run}`.catch(() => undefined);
    }
  }
}

type Candidate = { id: string; project: string | null; severity: Severity; tags: string[] };

/** The next page of defects after `after` (id order, the primary key) that match the filters and have no link to the connection. */
function candidates(connection: ConnectionName, f: BackfillFilters, after: string | null): Prisma.Sql {
  const and = (cond: boolean, sql: Prisma.Sql) => (cond ? Prisma.sql`AND ${sql}` : Prisma.empty);
  return Prisma.sql`
    SELECT d.id::text AS id, d.project, d.severity::text AS severity, d.tags FROM "Defect" d
    WHERE true ${and(after !== null, Prisma.sql`d.id > ${after}::uuid`)}
      ${and(!!f.status, Prisma.sql`d.status::text = ANY(${f.status ?? []}::text[])`)}
      ${and(!!f.project, Prisma.sql`d.project = ANY(${f.project ?? []}::text[])`)}
      ${and(!!f.since, Prisma.sql`d."createdAt" >= ${f.since ? new Date(f.since) : null}`)}
      AND NOT EXISTS (SELECT 1 FROM "TrackerLink" l WHERE l."defectId" = d.id AND l.connection = ${connection})
    ORDER BY d.id LIMIT ${PAGE}`;
}

/**
 * Each connection's latest backfill; while it runs, counted from its items and their links (one join over
 * its own items, on the link's (defectId, connection) key); once finished, the counts stamped on the row.
 */
function readRows(db: Pick<PrismaClient, '$queryRaw'>, connections: readonly ConnectionName[]): Promise<Row[]> {
  return db.$queryRaw<Row[]>`
    SELECT b.connection, b.run, b.filters, b."startedAt", b."queuedAt", b."finishedAt", b."lastError",
      coalesce(b.matched, p.matched) AS matched, coalesce(b.queued, p.queued) AS queued,
      coalesce(b.done, p.done) AS done, coalesce(b.failed, p.failed) AS failed,
      b."finishedAt" IS NULL AND greatest(b."progressAt", p."lastLinkAt") < now() - make_interval(secs => ${STALL_MS / 1000}::float8) AS stalled
    FROM "Backfill" b
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS matched, (count(*) FILTER (WHERE i.queued))::int AS queued, count(l."remoteId")::int AS done,
        (count(*) FILTER (WHERE l."remoteId" IS NULL AND l."syncState" = 'failed'))::int AS failed, max(l."createdAt") AS "lastLinkAt"
      FROM "BackfillItem" i LEFT JOIN "TrackerLink" l ON l."defectId" = i."defectId" AND l.connection = i.connection
      WHERE i.connection = b.connection AND b."finishedAt" IS NULL
    ) p
    WHERE b.connection = ANY(${connections}::text[])`;
}

/** All queued, and every matched defect linked or refused: finished once stamped. */
function complete(p: BackfillProgress): boolean {
  return p.state === 'running' && p.matched === p.done + p.failed;
}

function view(r: Row): BackfillProgress {
  // A walk that stopped with an error (lastError before queuedAt) will not go on: stalled, not queuing.
  const stalled = r.stalled || (!r.queuedAt && r.lastError !== null);
  const state: BackfillState = r.finishedAt ? 'finished' : stalled ? 'stalled' : r.queuedAt ? 'running' : 'queuing';
  return {
    connection: r.connection,
    state,
    filters: r.filters,
    matched: r.matched,
    queued: r.queued,
    done: r.done,
    failed: r.failed,
    startedAt: r.startedAt.toISOString(),
    queuedAt: r.queuedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    lastError: r.lastError,
  };
}

function none(connection: ConnectionName): BackfillProgress {
  return { connection, state: 'none', filters: {}, matched: 0, queued: 0, done: 0, failed: 0, startedAt: null, queuedAt: null, finishedAt: null, lastError: null };
}
