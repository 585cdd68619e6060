// Prometheus metrics: one registry per Metrics instance (one per process in the service, one per test),
// never prom-client's global default, so two apps in one process never share or collide on series.
// Call sites get a small typed API; gauges that describe state elsewhere (queues, the outbox) are read
// on scrape through sources registered here, so nothing has to poll in the background.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TrackerKind } from '../connectors/contract.ts';
import type { TrackerErrorKind } from '../connectors/errors.ts';
import type { SyncOutcome } from './sync/outcome.ts';
import { heapLiveBytes } from './heap-live.ts';

/** What became of one sync job: the engine's outcome, or the kind of failure a connector reported. */
export type SyncJobOutcome = SyncOutcome | TrackerErrorKind | 'error';
/** outbound: change committed → tracker updated; inbound: tracker change → defect updated. */
export type SyncDirection = 'outbound' | 'inbound';
export type WebhookResult = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unsigned' | 'handshake';
/** BullMQ job states counted for the queue-depth gauge. */
export const QUEUE_STATES = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Job counts of one connection's queue, as BullMQ's queue.getJobCounts(...QUEUE_STATES) returns them. */
export type QueueCounts = (connection: string) => Promise<Partial<Record<string, number>>>;
/** What series are labelled with: the connection (bounded by the configuration) and its tracker kind. */
export type MetricTarget = { readonly connection: string; readonly kind: TrackerKind };
export type OutboxBacklog = () => Promise<{ unpublished: number; oldestAgeSeconds: number }>;

/** A source read on scrape gets this long; a slow Redis or database must not hang the scrape. */
export const SOURCE_TIMEOUT_MS = 1000;

const PREFIX = 'defect_sync_';

export class Metrics {
  readonly registry = new Registry();
  private readonly syncJobs = new Counter({
    name: `${PREFIX}sync_jobs_total`,
    help: 'Sync jobs finished, by connection, tracker kind and outcome (created, updated, unchanged, … or the failure kind).',
    labelNames: ['connection', 'tracker', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: `${PREFIX}sync_latency_seconds`,
    help: 'Seconds from a change to its arrival on the other side: outbound = defect change committed → tracker updated; inbound = tracker change → defect updated.',
    labelNames: ['direction', 'connection', 'tracker'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: `${PREFIX}webhook_requests_total`,
    help: 'Webhook requests received, by connection, tracker kind and result (accepted, duplicate, ignored, rejected: signed but refused, unsigned: refused without a signature, handshake).',
    labelNames: ['connection', 'tracker', 'result'] as const,
    registers: [this.registry],
  });
  private readonly trackerCalls = new Counter({
    name: `${PREFIX}tracker_api_calls_total`,
    help: 'HTTP calls made to tracker APIs, by connection, tracker kind and response status (the status code, or "network" / "timeout").',
    labelNames: ['connection', 'tracker', 'status'] as const,
    registers: [this.registry],
  });
  private readonly lockWaits = new Counter({
    name: `${PREFIX}sync_lock_waits_total`,
    help: 'Sync jobs that waited for their defect lock because another job (often another worker process) held it, by lock: the connection, or "<connection>:comments".',
    labelNames: ['lock'] as const,
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: `${PREFIX}conflicts_total`,
    help: 'Fields changed on both sides since the last sync, by field.',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  /** Source reads of the scrape under way, so the error count it shows includes this scrape's failures. */
  private readonly reading = new Set<Promise<unknown>>();
  private readonly sourceErrors = new Counter({
    name: `${PREFIX}metrics_source_errors_total`,
    help: 'Scrapes in which a gauge source (queues, outbox) failed or timed out; the gauge is left empty then.',
    labelNames: ['source'] as const,
    registers: [this.registry],
    collect: async () => {
      // The registry starts every collect() in one synchronous loop: after one tick the source reads
      // of this scrape have all begun, and waiting for them counts their failures in this very scrape.
      await Promise.resolve();
      await Promise.allSettled([...this.reading]);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    heapLiveBytes(); // starts watching collections now, not at the first scrape
    new Gauge({
      name: `${PREFIX}heap_live_bytes`,
      help: 'V8 heap in use right after the latest full collection: the live set, without the uncollected garbage in nodejs_heap_size_used_bytes.',
      registers: [this.registry],
      collect() {
        this.set(heapLiveBytes());
      },
    });
  }

  syncJob(t: MetricTarget, outcome: SyncJobOutcome): void {
    this.syncJobs.inc({ connection: t.connection, tracker: t.kind, outcome });
  }

  syncLatency(direction: SyncDirection, t: MetricTarget, seconds: number): void {
    this.latency.observe({ direction, connection: t.connection, tracker: t.kind }, seconds);
  }

  webhook(t: MetricTarget, result: WebhookResult): void {
    this.webhooks.inc({ connection: t.connection, tracker: t.kind, result });
  }

  /** `status`: the HTTP status code the tracker answered, or 'network' / 'timeout' when none came. */
  trackerCall(connection: string, kind: TrackerKind, status: number | 'network' | 'timeout'): void {
    this.trackerCalls.inc({ connection, tracker: kind, status: String(status) });
  }

  lockWait(lock: string): void {
    this.lockWaits.inc({ lock });
  }

  conflict(field: string): void {
    this.conflicts.inc({ field });
  }

  /** Queue depth by connection and state, read from `counts` on every scrape. Register once per instance. */
  registerQueueDepth(connections: readonly MetricTarget[], counts: QueueCounts): void {
    const errors = this.sourceErrors;
    const track = <T>(read: Promise<T>) => this.track(read);
    new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Jobs in each connection queue by BullMQ state, read on scrape.',
      labelNames: ['connection', 'tracker', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // The error is counted inside the tracked read, so the error counter of this scrape sees it.
        const all = await track(
          withTimeout(Promise.all(connections.map(async (c) => [c, await counts(c.connection)] as const)), 'queue counts').catch(() => {
            errors.inc({ source: 'queues' });
            return [];
          }),
        );
        for (const [c, byState] of all) {
          for (const state of QUEUE_STATES) this.set({ connection: c.connection, tracker: c.kind, state }, byState[state] ?? 0);
        }
      },
    });
  }

  /** Unpublished outbox rows and the age of the oldest, read from `backlog` on every scrape. */
  registerOutboxBacklog(backlog: OutboxBacklog): void {
    // Both gauges come from one query: the registry starts every collect() in the same tick, so the
    // second finds the first one's read in flight and shares it.
    let pending: Promise<Awaited<ReturnType<OutboxBacklog>> | null> | null = null;
    const read = () =>
      (pending ??= this.track(
        withTimeout(backlog(), 'outbox backlog')
          .catch(() => (this.sourceErrors.inc({ source: 'outbox' }), null))
          .finally(() => (pending = null)),
      ));
    new Gauge({
      name: `${PREFIX}outbox_unpublished_events`,
      help: 'Committed changes not yet handed to the tracker queues (OutboxEvent rows without publishedAt), read on scrape.',
      registers: [this.registry],
      async collect() {
        this.reset();
        const b = await read();
        if (b) this.set(b.unpublished);
      },
    });
    new Gauge({
      name: `${PREFIX}outbox_oldest_unpublished_age_seconds`,
      help: 'Age of the oldest unpublished outbox row in seconds (0 when none), read on scrape.',
      registers: [this.registry],
      async collect() {
        this.reset();
        const b = await read();
        if (b) this.set(b.oldestAgeSeconds);
      },
    });
  }

  private track<T>(read: Promise<T>): Promise<T> {
    const settled = read.catch(() => undefined).finally(() => this.reading.delete(settled));
    this.reading.add(settled);
    return read;
  }

  /** The Prometheus text exposition of every series. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Rejects after `ms` so one stuck dependency cannot hold a scrape or a readiness probe open. */
export function withTimeout<T>(work: Promise<T>, what: string, ms = SOURCE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
