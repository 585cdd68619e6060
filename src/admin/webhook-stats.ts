// Webhook outcomes over the last 24 hours, shared by every API process: Redis counters in hourly
// buckets under the deployment's QUEUE_PREFIX (INCR, then EXPIRE 25 h so a bucket outlives its window).
// The count is the sum of the newest 24 buckets, so "the last 24 h" is accurate to the hour.
import type { RedisClient } from '../redis.ts';
import type { WebhookOutcome } from '../http/webhook-routes.ts';

export const COUNTED_OUTCOMES = ['accepted', 'rejected', 'unsigned', 'duplicate', 'ignored'] as const satisfies readonly WebhookOutcome[];
export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];
export type WebhookCounts = Record<CountedOutcome, number>;

const HOUR_MS = 3_600_000;
const BUCKETS = 24;
const TTL_SECONDS = 25 * 3600;

export class WebhookStats {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(redis: RedisClient, queuePrefix: string) {
    this.redis = redis;
    this.prefix = `${queuePrefix}:admin:webhooks`;
  }

  private key(hour: number, connection: string, outcome: CountedOutcome): string {
    return `${this.prefix}:${hour}:${connection}:${outcome}`;
  }

  /** Counts one outcome; a handshake is not a delivery and is not counted. */
  async record(connection: string, outcome: WebhookOutcome, now = Date.now()): Promise<void> {
    if (!(COUNTED_OUTCOMES as readonly string[]).includes(outcome)) return;
    const key = this.key(Math.floor(now / HOUR_MS), connection, outcome as CountedOutcome);
    await this.redis.multi().incr(key).expire(key, TTL_SECONDS).exec();
  }

  /** Per connection, each outcome summed over the newest 24 hourly buckets (one MGET). */
  async last24h(connections: readonly string[], now = Date.now()): Promise<Map<string, WebhookCounts>> {
    const hour = Math.floor(now / HOUR_MS);
    const slots = connections.flatMap((connection) =>
      COUNTED_OUTCOMES.flatMap((outcome) => Array.from({ length: BUCKETS }, (_, i) => ({ connection, outcome, key: this.key(hour - i, connection, outcome) }))),
    );
    const values = slots.length ? await this.redis.mget(slots.map((s) => s.key)) : [];
    const out = new Map<string, WebhookCounts>(connections.map((t) => [t, { accepted: 0, rejected: 0, unsigned: 0, duplicate: 0, ignored: 0 }]));
    slots.forEach((s, i) => (out.get(s.connection)![s.outcome] += Number(values[i] ?? 0)));
    return out;
  }
}
