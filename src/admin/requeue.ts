// Asking for a sync again, by hand: one defect (optionally one connection) or every link in given states.
// A link whose ticket went missing is re-checked in the tracker first (LinkStore.relink: it comes back
// to pending and a sync is queued through the outbox); any other link gets a sync job on its tracker's
// queue at once, deduplicated with a job already waiting for the defect (which then does the work).
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { ConnectionName } from '../sync/connections.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import type { Route } from '../sync/sync-config.ts';
import { routeDefect } from '../sync/routes.ts';
import type { SyncState } from '../generated/prisma/client.ts';
import { AppError } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { findDefect } from '../store/find.ts';
import type { LinkStore } from '../store/links.ts';
import { syncJobOptions, type SyncJobData } from '../outbox/queues.ts';

export type Requeued = { defect: string; connection: ConnectionName; via: 'queue' | 'relink'; jobId?: string };
export type NotRequeued = { defect: string; connection: ConnectionName; error: string };

/** Links one retry call takes at most; the answer says when more are left. */
export const RETRY_BATCH = 500;

/** Which connections an admin request names: one, every one of a kind, or (neither) all that apply. */
export type RequeueTarget = { connection?: ConnectionName | undefined; tracker?: TrackerKind | undefined };

export class Requeue {
  private readonly prisma: PrismaClient;
  private readonly queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  private readonly links: LinkStore;
  private readonly kinds: ReadonlyMap<ConnectionName, TrackerKind>;
  private readonly routes: readonly Route[] | undefined;

  constructor(
    prisma: PrismaClient,
    queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>,
    links: LinkStore,
    opts: { kinds: ReadonlyMap<ConnectionName, TrackerKind>; routes: readonly Route[] | undefined },
  ) {
    this.prisma = prisma;
    this.queues = queues;
    this.links = links;
    this.kinds = opts.kinds;
    this.routes = opts.routes;
  }

  /**
   * The connections named (one, or every one of a kind), else every connection the defect is linked to or
   * routed to: each ticket is brought up to date, or created where the route wants one and there is none.
   */
  async resync(idOrKey: string, target: RequeueTarget, actor: string) {
    const defect = await findDefect(this.prisma, idOrKey);
    const linked = await this.prisma.trackerLink.findMany({ where: { defectId: defect.id }, select: { connection: true, syncState: true } });
    const named = this.named(target);
    const all = [...this.queues.keys()];
    const routed = routeDefect({ project: defect.project, severity: defect.severity, tags: defect.tags }, this.routes, all);
    const connections = named ?? all.filter((c) => routed.includes(c) || linked.some((l) => l.connection === c));
    const key = formatDefectKey(defect.number);
    return this.requeueAll(connections.map((c) => ({ defectId: defect.id, key, connection: c, missing: linked.find((s) => s.connection === c)?.syncState === 'missing' })), actor);
  }

  /** The links in `states` (of the connections named, or every configured one), newest trouble first. */
  async retry(states: readonly SyncState[], target: RequeueTarget, actor: string) {
    const connections = this.named(target) ?? [...this.queues.keys()];
    const rows = await this.prisma.trackerLink.findMany({
      where: { syncState: { in: [...states] }, connection: { in: connections } },
      orderBy: { updatedAt: 'desc' },
      take: RETRY_BATCH + 1,
      select: { defectId: true, connection: true, syncState: true, defect: { select: { number: true } } },
    });
    const page = rows.slice(0, RETRY_BATCH);
    const result = await this.requeueAll(
      page.map((r) => ({ defectId: r.defectId, key: formatDefectKey(r.defect.number), connection: r.connection, missing: r.syncState === 'missing' })),
      actor,
    );
    return { ...result, more: rows.length > RETRY_BATCH };
  }

  /** The configured connections a target names; undefined when it names none. A name not configured is a 400. */
  private named(target: RequeueTarget): ConnectionName[] | undefined {
    if (target.connection !== undefined) {
      if (!this.queues.has(target.connection)) throw notConfigured('connection', target.connection, [...this.queues.keys()]);
      return [target.connection];
    }
    if (target.tracker === undefined) return undefined;
    const ofKind = [...this.queues.keys()].filter((c) => this.kinds.get(c) === target.tracker);
    if (!ofKind.length) throw notConfigured('tracker', target.tracker, [...this.queues.keys()]);
    return ofKind;
  }

  private async requeueAll(items: { defectId: string; key: string; connection: ConnectionName; missing: boolean }[], actor: string) {
    const queued: Requeued[] = [];
    const notQueued: NotRequeued[] = [];
    const stamp = Date.now();
    for (const it of items) {
      try {
        if (it.missing) {
          await this.links.relink(it.defectId, it.connection, actor);
          queued.push({ defect: it.key, connection: it.connection, via: 'relink' });
          continue;
        }
        const data: SyncJobData = { outboxId: 'admin', defectId: it.defectId, kind: 'defect.updated', version: 0, fields: [] };
        const job = await this.queues.get(it.connection)!.add('admin', data, syncJobOptions(`admin-${stamp}-${it.defectId}`, it.defectId, 0));
        queued.push({ defect: it.key, connection: it.connection, via: 'queue', ...(job.id && { jobId: job.id }) });
      } catch (err) {
        notQueued.push({ defect: it.key, connection: it.connection, error: (err as Error).message });
      }
    }
    return { queued, notQueued };
  }
}

function notConfigured(field: 'connection' | 'tracker', value: string, configured: readonly string[]): AppError {
  return new AppError('validation_failed', `${field}: ${value} is not configured (configured: ${configured.join(', ') || 'none'})`, {
    fields: [{ field, message: 'is not configured' }],
  });
}
