// Publishes committed outbox rows to BullMQ. Rows are claimed with FOR UPDATE SKIP LOCKED, published,
// then stamped in the same transaction: a crash after publishing rolls the stamp back, the rows are
// published again, and the deterministic job ids make that second add a no-op. NOTIFY wakes the relay
// at once; a periodic sweep catches anything a dropped LISTEN connection missed. Each row goes to the
// queues of the connections its defect is linked to and of those its route names now (src/sync/routes.ts):
// routing is decided when a defect first needs tickets and again at each change, and a link never stops.
//
// One relay per deployment publishes (with `leaderLock`, the service's QUEUE_PREFIX): the relay that holds
// a session advisory lock on its LISTEN connection. The others stand by, trying for the lock at each sweep,
// so when the publishing process stops or dies (its connection closes, the lock with it) another takes
// over within OUTBOX_SWEEP_MS. Every worker process has a relay; without this, each NOTIFY woke all of
// them and all but one claimed an empty batch (a transaction of their own per change). Two relays at once
// stay safe (SKIP LOCKED, deterministic job ids): a relay whose connection is lost sweeps, as before, and a
// standby publishes anyway when rows wait far too long (the holder alive to PostgreSQL but not publishing).
import pg from 'pg';
import type { Queue } from 'bullmq';
import { Prisma, type PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { failpoint } from '../failpoints.ts';
import { OUTBOX_CHANNEL, type OutboxKind, type OutboxPayload } from '../store/outbox.ts';
import { COMMENTS_JOB, debouncedJobOptions, dedupeKeyOf, jobIdFor, type SyncJobData } from './queues.ts';
import type { JobsOptions } from 'bullmq';
import type { ConnectionName } from '../sync/connections.ts';
import { routeDefect } from '../sync/routes.ts';
import type { Route } from '../sync/sync-config.ts';
import type { Severity } from '../domain/severity.ts';

export type RelayOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  queues: ReadonlyMap<ConnectionName, Queue<SyncJobData>>;
  /** SYNC_CONFIG routes; absent: every defect goes to every connection. */
  routes?: readonly Route[] | undefined;
  log: Logger;
  sweepMs: number;
  batchSize?: number;
  /** Published rows older than this are deleted by the sweep. */
  retentionMs?: number;
  /** How long a job waits for more changes of its defect before it runs (see syncJobOptions). */
  debounceMs?: number;
  /** The longest a change waits while more keep coming (see debouncedJobOptions); default debounceMs. */
  debounceMaxMs?: number;
  /** One relay per value publishes (the deployment's QUEUE_PREFIX); absent, this relay always publishes. */
  leaderLock?: string;
  /**
   * A standing-by relay publishes anyway once the oldest unpublished row is this old: the lock's holder may be
   * alive to PostgreSQL but not publishing (a frozen process keeps its session until TCP gives up, hours).
   * Default 30 s, or 10 sweeps if longer.
   */
  standbyTakesOverAfterMs?: number;
};

type Row = {
  id: bigint;
  defectId: string;
  kind: OutboxKind;
  payload: OutboxPayload;
  /** Null once the defect is gone (its linked connections still hear of it). */
  severity: Severity | null;
  project: string | null;
  tags: string[] | null;
  linked: string[];
};

export class OutboxRelay {
  private readonly opts: Required<Omit<RelayOptions, 'debounceMaxMs' | 'routes' | 'leaderLock'>> & Pick<RelayOptions, 'routes' | 'leaderLock'>;
  private readonly debounce: { ms: number; maxMs: number };
  private listener: pg.Client | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Connected, and another relay of the deployment holds the lock: this one publishes nothing. */
  private standingBy = false;
  /** Standing by, and publishing anyway because rows waited too long (see standbyTakesOverAfterMs). */
  private steppedIn = false;

  constructor(opts: RelayOptions) {
    this.opts = { batchSize: 200, retentionMs: 24 * 3600_000, debounceMs: 0, standbyTakesOverAfterMs: Math.max(30_000, 10 * opts.sweepMs), ...opts };
    this.debounce = { ms: this.opts.debounceMs, maxMs: opts.debounceMaxMs ?? this.opts.debounceMs };
  }

  async start(): Promise<void> {
    await this.listen();
    this.sweepTimer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.reconnectTimer);
    await this.draining;
    await this.listener?.end().catch(() => undefined);
  }

  /** Whether this relay publishes now (false while another relay of the deployment does). */
  get publishing(): boolean {
    return !this.standingBy && !this.stopped;
  }

  /** Drains now (unless standing by, or `anyway`); calls made while a drain runs fold into one more pass after it. */
  wake(anyway = false): Promise<void> {
    if (this.standingBy && !anyway) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.again = false;
          while (!this.stopped && (await this.publishBatch()) === this.opts.batchSize);
        } while (this.again && !this.stopped);
      } catch (err) {
        this.opts.log.error({ err }, 'outbox relay: publishing failed; the next sweep retries');
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Publishes one batch; returns how many rows it handled. */
  async publishBatch(): Promise<number> {
    const { prisma, queues, batchSize } = this.opts;
    return prisma.$transaction(
      async (tx) => {
        // The defect's routing facts and linked connections come with the rows: one statement per batch.
        const rows = await tx.$queryRaw<Row[]>(claimBatchSql(batchSize));
        if (rows.length === 0) return 0;
        const configured = [...queues.keys()];
        const targets = rows.map((row) => this.targetsOf(row, configured));
        // With no connection configured there is nobody to tell: the rows are simply marked handled.
        for (const [connection, queue] of queues) {
          const mine = rows.filter((_, i) => targets[i]!.includes(connection));
          if (mine.length === 0) continue;
          const options = await debouncedJobOptions(queue, mine.map((row) => ({ jobId: jobIdFor(row.id), defectId: dedupeKeyOf(row.kind, row.defectId) })), this.debounce);
          await queue.addBulk(mine.map((row, i) => toJob(row, options[i]!)));
        }
        failpoint('relay.after-publish');
        // Each row records the queues it went to, for the reconciler's lost-job check.
        const published = JSON.stringify(rows.map((r, i) => ({ id: r.id.toString(), to: targets[i] })));
        await tx.$executeRaw`
          UPDATE "OutboxEvent" o SET "publishedAt" = now(), "publishedTo" = x."to"
          FROM jsonb_to_recordset(${published}::jsonb) AS x(id bigint, "to" text[])
          WHERE o.id = x.id`;
        this.opts.log.debug({ count: rows.length, queues: [...queues.keys()] }, 'outbox relay: published');
        return rows.length;
      },
      { timeout: 30_000 },
    );
  }

  /**
   * The configured connections a row goes to: those its defect is linked to and those its route names,
   * except the one the change came from (that tracker already holds it).
   */
  private targetsOf(row: Row, queued: readonly ConnectionName[]): ConnectionName[] {
    const routed = row.severity ? routeDefect({ severity: row.severity, project: row.project, tags: row.tags ?? [] }, this.opts.routes, queued) : [];
    const wanted = new Set([...row.linked, ...routed]);
    return queued.filter((c) => wanted.has(c) && c !== row.payload.origin);
  }

  private async sweep(): Promise<void> {
    if (this.standingBy) await this.tryToLead().catch((err: unknown) => this.opts.log.warn({ err }, 'outbox relay: could not ask for the publishing lock; trying again at the next sweep'));
    if (this.standingBy) {
      // The publishing relay prunes too; this one only steps in when rows wait far longer than it would let them.
      const stuck = await this.publisherIsStuck().catch(() => false);
      // Said once per episode, not at every sweep (a long backlog looks the same for a while).
      if (stuck && !this.steppedIn) this.opts.log.warn({ afterMs: this.opts.standbyTakesOverAfterMs }, 'outbox relay: the publishing process holds the lock but rows wait; publishing them from this one');
      this.steppedIn = stuck;
      if (stuck) await this.wake(true);
      return;
    }
    await this.wake();
    const cutoff = new Date(Date.now() - this.opts.retentionMs);
    await this.opts.prisma.outboxEvent
      .deleteMany({ where: { publishedAt: { lt: cutoff } } })
      .catch((err: unknown) => this.opts.log.warn({ err }, 'outbox relay: pruning failed'));
  }

  private async publisherIsStuck(): Promise<boolean> {
    const [row] = await this.opts.prisma.$queryRaw<{ stuck: boolean }[]>`
      SELECT coalesce((SELECT "createdAt" < now() - make_interval(secs => ${this.opts.standbyTakesOverAfterMs / 1000}) FROM "OutboxEvent"
                       WHERE "publishedAt" IS NULL ORDER BY id LIMIT 1), false) AS stuck`;
    return row?.stuck ?? false;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl });
    client.on('notification', () => void this.wake());
    // A dropped connection (error, or the server closing it) is replaced; meanwhile the sweep keeps publishing.
    const lost = (err?: Error) => {
      if (this.stopped || this.listener !== client) return;
      this.opts.log.warn({ err }, 'outbox relay: LISTEN connection lost; sweeping until it is back');
      this.standingBy = false;
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      // Stopped while connecting: this session must not take the lock (nothing would ever end it).
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      await this.tryToLead();
    } catch (err) {
      this.opts.log.warn({ err }, 'outbox relay: cannot LISTEN; sweeping until it can');
      this.listener = undefined;
      this.standingBy = false;
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  /** Takes the deployment's lock if it is free (on the LISTEN connection, so it goes when that does), then listens. */
  private async tryToLead(): Promise<void> {
    const client = this.listener;
    if (!client) return;
    if (this.opts.leaderLock !== undefined) {
      const [row] = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [relayLeaderKey(this.opts.leaderLock)])).rows;
      if (!row?.locked) {
        if (!this.standingBy) this.opts.log.info('outbox relay: standing by (another process of this deployment publishes)');
        this.standingBy = true;
        return;
      }
      if (this.standingBy) this.opts.log.info('outbox relay: publishing (the previous publisher stopped)');
    }
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.standingBy = false;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.listener = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen().then(() => this.wake());
    }, 1000);
  }
}

/** The advisory lock's name whose holder publishes for the deployment (hashed with hashtextextended). */
export function relayLeaderKey(deployment: string): string {
  return `defect-sync/outbox-relay/${deployment}`;
}

/**
 * The next unpublished rows, claimed, with each one's routing facts (severity, project, tags) and the
 * connections its defect is linked to: index lookups per row (EXPLAINed in the scale test).
 */
export const claimBatchSql = (batchSize: number) => Prisma.sql`
  SELECT o.id, o."defectId"::text AS "defectId", o.kind, o.payload, d.severity::text AS severity, d.project, d.tags,
    coalesce((SELECT array_agg(l.connection) FROM "TrackerLink" l WHERE l."defectId" = o."defectId"), '{}') AS linked
  FROM "OutboxEvent" o LEFT JOIN "Defect" d ON d.id = o."defectId"
  WHERE o."publishedAt" IS NULL ORDER BY o.id LIMIT ${batchSize} FOR UPDATE OF o SKIP LOCKED`;

function toJob(row: Row, opts: JobsOptions) {
  const data: SyncJobData = {
    outboxId: row.id.toString(),
    defectId: row.defectId,
    kind: row.kind,
    version: row.payload.version,
    fields: row.payload.fields,
  };
  // A comment change is a `comments` job (src/sync/comment-sync.ts), deduplicated apart from the defect's sync jobs.
  return { name: row.kind === 'defect.commented' ? COMMENTS_JOB : row.kind, data, opts };
}
