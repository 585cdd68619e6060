// Publishes committed outbox rows to BullMQ. Rows are claimed with FOR UPDATE SKIP LOCKED, published,
// then stamped in the same transaction: a crash after publishing rolls the stamp back, the rows are
// published again, and the deterministic job ids make that second add a no-op. NOTIFY wakes the relay
// at once; a periodic sweep catches anything a dropped LISTEN connection missed.
import pg from 'pg';
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { failpoint } from '../failpoints.ts';
import { OUTBOX_CHANNEL, type OutboxKind, type OutboxPayload } from '../store/outbox.ts';
import { debouncedJobOptions, jobIdFor, type SyncJobData, type TrackerKind } from './queues.ts';
import type { JobsOptions } from 'bullmq';

export type RelayOptions = {
  prisma: PrismaClient;
  databaseUrl: string;
  queues: ReadonlyMap<TrackerKind, Queue<SyncJobData>>;
  log: Logger;
  sweepMs: number;
  batchSize?: number;
  /** Published rows older than this are deleted by the sweep. */
  retentionMs?: number;
  /** How long a job waits for more changes of its defect before it runs (see syncJobOptions). */
  debounceMs?: number;
  /** The longest a change waits while more keep coming (see debouncedJobOptions); default debounceMs. */
  debounceMaxMs?: number;
};

type Row = { id: bigint; defectId: string; kind: OutboxKind; payload: OutboxPayload };

export class OutboxRelay {
  private readonly opts: Required<Omit<RelayOptions, 'debounceMaxMs'>>;
  private readonly debounce: { ms: number; maxMs: number };
  private listener: pg.Client | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(opts: RelayOptions) {
    this.opts = { batchSize: 200, retentionMs: 24 * 3600_000, debounceMs: 0, ...opts };
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

  /** Drains now; calls made while a drain runs fold into one more pass after it. */
  wake(): Promise<void> {
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
        const rows = await tx.$queryRaw<Row[]>`
          SELECT id, "defectId"::text AS "defectId", kind, payload FROM "OutboxEvent"
          WHERE "publishedAt" IS NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        // With no tracker configured there is nobody to tell: the rows are simply marked handled.
        // A change that came from a tracker is not queued back to it: that tracker already holds it.
        for (const [tracker, queue] of queues) {
          const mine = rows.filter((row) => row.payload.origin !== tracker);
          if (mine.length === 0) continue;
          const options = await debouncedJobOptions(queue, mine.map((row) => ({ jobId: jobIdFor(row.id), defectId: row.defectId })), this.debounce);
          await queue.addBulk(mine.map((row, i) => toJob(row, options[i]!)));
        }
        failpoint('relay.after-publish');
        // Each row records the queues it went to (not its origin's), for the reconciler's lost-job check.
        const trackers = [...queues.keys()];
        await tx.$executeRaw`
          UPDATE "OutboxEvent" SET "publishedAt" = now(),
            "publishedTo" = array(SELECT t FROM unnest(${trackers}::text[]) AS t WHERE t IS DISTINCT FROM payload->>'origin')
          WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
        this.opts.log.debug({ count: rows.length, queues: [...queues.keys()] }, 'outbox relay: published');
        return rows.length;
      },
      { timeout: 30_000 },
    );
  }

  private async sweep(): Promise<void> {
    await this.wake();
    const cutoff = new Date(Date.now() - this.opts.retentionMs);
    await this.opts.prisma.outboxEvent
      .deleteMany({ where: { publishedAt: { lt: cutoff } } })
      .catch((err: unknown) => this.opts.log.warn({ err }, 'outbox relay: pruning failed'));
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl });
    client.on('notification', () => void this.wake());
    // A dropped connection (error, or the server closing it) is replaced; meanwhile the sweep keeps publishing.
    const lost = (err?: Error) => {
      if (this.stopped || this.listener !== client) return;
      this.opts.log.warn({ err }, 'outbox relay: LISTEN connection lost; sweeping until it is back');
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.opts.log.warn({ err }, 'outbox relay: cannot LISTEN; sweeping until it can');
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
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

function toJob(row: Row, opts: JobsOptions) {
  const data: SyncJobData = {
    outboxId: row.id.toString(),
    defectId: row.defectId,
    kind: row.kind,
    version: row.payload.version,
    fields: row.payload.fields,
  };
  return { name: row.kind, data, opts };
}
