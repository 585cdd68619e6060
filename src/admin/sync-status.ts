// GET /admin/sync-status: per tracker what an operator asks first (is it on, is it keeping up, when did
// it last work, what failed and why), plus the outbox backlog. Every figure is an aggregate the database
// answers from an index (see the TrackerLink indexes in prisma/schema.prisma), from the link counts the
// database keeps per tracker and state (LinkStateCount), or from one Redis round trip;
// nothing is scanned in JavaScript, so the answer stays fast with hundreds of thousands of links.
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../db.ts';
import { TRACKER_KINDS, type TrackerKind } from '../../connectors/contract.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { outboxBacklog, queueCounts } from '../ops/sources.ts';
import { withTimeout } from '../metrics.ts';
import { trackerHealth } from './health.ts';
import type { WebhookCounts, WebhookStats } from './webhook-stats.ts';

export const SYNC_STATES = ['pending', 'synced', 'retrying', 'failed', 'missing'] as const;

export type StatusSources = {
  prisma: PrismaClient;
  /** The enabled trackers' queues; a tracker without one is reported off. */
  queues: ReadonlyMap<TrackerKind, Queue>;
  webhookStats: WebhookStats;
};

type LinkRow = { tracker: TrackerKind; state: string; n: number };
type TrackerRow = { tracker: TrackerKind; last_success: Date | null; without_ticket: number };
type FailureRow = { tracker: TrackerKind; state: string; at: Date; error: string | null; number: number };

export async function syncStatus(s: StatusSources) {
  const { prisma } = s;
  const enabled = [...s.queues.keys()];
  const errors: string[] = [];
  // Redis being away must not take the database figures with it: those parts come back null, with why.
  const fromRedis = <T>(what: string, read: () => Promise<T>): Promise<T | null> =>
    withTimeout(read(), what).catch((err: unknown) => (errors.push(`${what}: ${(err as Error).message}`), null));
  const counts = queueCounts(s.queues);

  const [links, perTracker, failures, conflicts, polls, outbox, queues, webhooks] = await Promise.all([
    // Kept exact by triggers on TrackerLink (LinkStateCount): 15 rows, however many links there are.
    prisma.$queryRaw<LinkRow[]>`SELECT tracker::text AS tracker, "syncState"::text AS state, n FROM "LinkStateCount"`,
    prisma.$queryRaw<TrackerRow[]>`
      SELECT t::text AS tracker,
             (SELECT max("lastSyncedAt") FROM "TrackerLink" WHERE tracker = t) AS last_success,
             (SELECT count(*)::int FROM "TrackerLink" WHERE tracker = t AND "remoteId" IS NULL) AS without_ticket
      FROM unnest(${[...TRACKER_KINDS]}::"TrackerKind"[]) AS t`,
    // The newest attempt per tracker and failing state, each one step down the index; the newer of the
    // two states is picked below.
    prisma.$queryRaw<FailureRow[]>`
      SELECT t.tracker::text AS tracker, s.state::text AS state, f.at, f.error, d.number
      FROM unnest(${[...TRACKER_KINDS]}::"TrackerKind"[]) AS t(tracker)
      CROSS JOIN unnest(ARRAY['failed', 'retrying']::"SyncState"[]) AS s(state)
      JOIN LATERAL (
        SELECT l."lastAttemptAt" AS at, l."lastError" AS error, l."defectId" FROM "TrackerLink" l
        WHERE l.tracker = t.tracker AND l."syncState" = s.state AND l."lastAttemptAt" IS NOT NULL
        ORDER BY l."lastAttemptAt" DESC LIMIT 1) f ON true
      JOIN "Defect" d ON d.id = f."defectId"`,
    prisma.$queryRaw<{ tracker: TrackerKind; n: number }[]>`
      SELECT tracker::text AS tracker, count(*)::int AS n FROM "SyncConflict"
      WHERE "decidedAt" > now() - interval '24 hours' GROUP BY 1`,
    prisma.pollCursor.findMany(),
    outboxBacklog(prisma)(),
    fromRedis('queues', () => Promise.all(enabled.map(async (t) => [t, await counts(t)] as const))),
    fromRedis('webhooks', () => s.webhookStats.last24h(TRACKER_KINDS)),
  ]);

  const trackers = TRACKER_KINDS.map((tracker) => {
    const on = s.queues.has(tracker);
    const byState = Object.fromEntries(SYNC_STATES.map((st) => [st, links.find((l) => l.tracker === tracker && l.state === st)?.n ?? 0])) as Record<
      (typeof SYNC_STATES)[number],
      number
    >;
    const total = Object.values(byState).reduce((a, b) => a + b, 0);
    const row = perTracker.find((r) => r.tracker === tracker);
    const q = queues?.find(([t]) => t === tracker)?.[1];
    const queue = on && q ? { waiting: (q.waiting ?? 0) + (q.prioritized ?? 0), active: q.active ?? 0, delayed: q.delayed ?? 0, failed: q.failed ?? 0 } : null;
    const hooks: WebhookCounts | null = webhooks?.get(tracker) ?? null;
    const poll = polls.find((p) => p.tracker === tracker);
    const lastSuccessAt = row?.last_success?.toISOString() ?? null;
    const newest = failures.filter((f) => f.tracker === tracker).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    const lastFailure = newest ? { at: newest.at.toISOString(), state: newest.state, error: newest.error, defect: formatDefectKey(newest.number) } : null;
    return {
      tracker,
      enabled: on,
      ...trackerHealth({ enabled: on, links: byState, queue, webhooks: hooks, lastSuccessAt, lastFailureAt: lastFailure?.at ?? null, pollError: poll?.lastError ?? null }),
      queue,
      lastSuccessAt,
      lastFailure,
      /** Defects with a ticket in this tracker (one link per defect and tracker). */
      linkedDefects: total - (row?.without_ticket ?? 0),
      links: byState,
      conflicts24h: conflicts.find((c) => c.tracker === tracker)?.n ?? 0,
      webhooks24h: hooks,
      poll: poll ? { cursor: poll.cursor.toISOString(), lastPollAt: poll.lastPollAt?.toISOString() ?? null, lastError: poll.lastError } : null,
    };
  });
  return {
    generatedAt: new Date().toISOString(),
    trackers,
    outbox: { unpublished: outbox.unpublished, oldestAgeSeconds: Math.round(outbox.oldestAgeSeconds * 10) / 10 },
    ...(errors.length && { errors }),
  };
}
