// Webhook outcomes over the last 24 hours, shared by every API process: Redis counters in hourly
// buckets under the deployment's QUEUE_PREFIX (INCRBY, then EXPIRE 25 h so a bucket outlives its window).
// The count is the sum of the newest 24 buckets, so "the last 24 h" is accurate to the hour.
//
// A delivery is counted in memory and the counts go to Redis in one pipeline per flush (every second by
// default, and on close): a Redis round trip per delivery was about a tenth of the webhook route's CPU. The
// process's own unflushed counts are added to what it reads, so it never shows less than it took; other
// API processes see them within a flush. A failed flush keeps its counts for the next one. Flushes and
// reads take turns (one chain): a flush between a read's MGET and its look at the pending counts would
// leave those counts in neither place for that read.
import type { RedisClient } from '../redis.ts';
import type { WebhookOutcome } from '../http/webhook-routes.ts';

export const COUNTED_OUTCOMES = ['accepted', 'rejected', 'unsigned', 'duplicate', 'ignored'] as const satisfies readonly WebhookOutcome[];
export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];
export type WebhookCounts = Record<CountedOutcome, number>;

const HOUR_MS = 3_600_000;
const BUCKETS = 24;
const TTL_SECONDS = 25 * 3600;
export const WEBHOOK_STATS_FLUSH_MS = 1000;

export type WebhookStatsOptions = { flushMs?: number; onFlushError?: (err: unknown) => void };

export class WebhookStats {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly onFlushError: (err: unknown) => void;
  /** Unflushed counts by bucket key. */
  private pending = new Map<string, number>();
  /** Flushes and reads, one at a time. */
  private turns: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(redis: RedisClient, queuePrefix: string, options: WebhookStatsOptions = {}) {
    this.redis = redis;
    this.prefix = `${queuePrefix}:admin:webhooks`;
    this.onFlushError = options.onFlushError ?? (() => {});
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? WEBHOOK_STATS_FLUSH_MS);
    this.timer.unref();
  }

  private key(hour: number, connection: string, outcome: CountedOutcome): string {
    return `${this.prefix}:${hour}:${connection}:${outcome}`;
  }

  /** Counts one outcome (in memory until the next flush); a handshake is not a delivery and is not counted. */
  record(connection: string, outcome: WebhookOutcome, now = Date.now()): void {
    if (!(COUNTED_OUTCOMES as readonly string[]).includes(outcome)) return;
    const key = this.key(Math.floor(now / HOUR_MS), connection, outcome as CountedOutcome);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /**
   * Writes the unflushed counts in one MULTI; a key whose INCRBY did not apply (the whole transaction
   * refused, or that command alone) is kept for the next flush, and the error reported. Never rejects,
   * so one bad flush cannot stop the later ones.
   */
  flush(): Promise<void> {
    return this.inTurn(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending];
      this.pending = new Map();
      let failed: [string, number][] = batch;
      let error: unknown;
      try {
        const multi = this.redis.multi();
        for (const [key, n] of batch) multi.incrby(key, n).expire(key, TTL_SECONDS);
        const results = await multi.exec();
        if (!results) throw new Error('the webhook counts transaction was discarded');
        // Two replies per key: INCRBY, then EXPIRE.
        failed = batch.filter((_, i) => results[2 * i]?.[0]);
        error = results.find(([err]) => err)?.[0];
      } catch (err) {
        error = err;
      }
      for (const [key, n] of failed) this.pending.set(key, (this.pending.get(key) ?? 0) + n);
      if (error) {
        try {
          this.onFlushError(error);
        } catch {
          // a reporting failure must not stop the counting
        }
      }
    });
  }

  /** Runs `work` after every flush and read already asked for; `work` must not reject the chain for the next one. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const mine = this.turns.then(work);
    this.turns = mine.catch(() => undefined);
    return mine;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Per connection, each outcome summed over the newest 24 hourly buckets (one MGET), this process's unflushed counts included. */
  last24h(connections: readonly string[], now = Date.now()): Promise<Map<string, WebhookCounts>> {
    return this.inTurn(() => this.read(connections, now));
  }

  private async read(connections: readonly string[], now: number): Promise<Map<string, WebhookCounts>> {
    const hour = Math.floor(now / HOUR_MS);
    const slots = connections.flatMap((connection) =>
      COUNTED_OUTCOMES.flatMap((outcome) => Array.from({ length: BUCKETS }, (_, i) => ({ connection, outcome, key: this.key(hour - i, connection, outcome) }))),
    );
    const values = slots.length ? await this.redis.mget(slots.map((s) => s.key)) : [];
    const out = new Map<string, WebhookCounts>(connections.map((t) => [t, { accepted: 0, rejected: 0, unsigned: 0, duplicate: 0, ignored: 0 }]));
    slots.forEach((s, i) => (out.get(s.connection)![s.outcome] += Number(values[i] ?? 0) + (this.pending.get(s.key) ?? 0)));
    return out;
  }
}
