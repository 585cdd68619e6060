// GET /admin/sync-status: per connection what an operator asks first (is it on, is it keeping up, when did
// it last work, what failed and why), plus the outbox backlog. Every figure is an aggregate the database
// answers from an index (see the TrackerLink indexes in prisma/schema.prisma), from the link counts the
// database keeps per connection and state (LinkStateCount), or from one Redis round trip;
// nothing is scanned in JavaScript, so the answer stays fast with hundreds of thousands of links.
import type { Queue } from 'bullmq';
import { Prisma, type PrismaClient } from '../db.ts';
import type { TrackerKind } from '../../connectors/contract.ts';
import type { ConnectionName } from '../sync/connections.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { outboxBacklog, queueCounts } from '../ops/sources.ts';
import { withTimeout } from '../metrics.ts';
import { trackerHealth } from './health.ts';
import type { WebhookCounts, WebhookStats } from './webhook-stats.ts';
import type { Backfills } from './backfill.ts';
import type { ConnectionReport } from '../sync/check.ts';

export const SYNC_STATES = ['pending', 'synced', 'retrying', 'failed', 'missing'] as const;

export type StatusSources = {
  prisma: PrismaClient;
  /** The configured connections' queues; a connection without one (retired) is reported off. */
  queues: ReadonlyMap<ConnectionName, Queue>;
  /** Every connection the database knows, with its kind (configured and retired). */
  kinds: ReadonlyMap<ConnectionName, TrackerKind>;
  webhookStats: WebhookStats;
  /** Each connection's latest backfill (counted from its own items while it runs, stored once finished). */
  backfills?: Pick<Backfills, 'progressOf'>;
  /** The last configuration check of each configured connection (never waited for here). */
  checks?: ReadonlyMap<ConnectionName, ConnectionReport>;
};

type LinkRow = { connection: string; state: string; n: number };
type ConnectionRow = { connection: string; last_success: Date | null; without_ticket: number };
type FailureRow = { connection: string; state: string; at: Date; error: string | null; number: number };

/** The per-connection statements, each a few index lookups per connection (EXPLAINed in the scale test). */
export const statusSql = {
  perConnection: (names: readonly string[]) => Prisma.sql`
      SELECT c AS connection,
             (SELECT max("lastSyncedAt") FROM "TrackerLink" WHERE connection = c) AS last_success,
             (SELECT count(*)::int FROM "TrackerLink" WHERE connection = c AND "remoteId" IS NULL) AS without_ticket
      FROM unnest(${names}::text[]) AS c`,
  newestFailures: (names: readonly string[]) => Prisma.sql`
      SELECT t.connection, s.state::text AS state, f.at, f.error, d.number
      FROM unnest(${names}::text[]) AS t(connection)
      CROSS JOIN unnest(ARRAY['failed', 'retrying']::"SyncState"[]) AS s(state)
      JOIN LATERAL (
        SELECT l."lastAttemptAt" AS at, l."lastError" AS error, l."defectId" FROM "TrackerLink" l
        WHERE l.connection = t.connection AND l."syncState" = s.state AND l."lastAttemptAt" IS NOT NULL
        ORDER BY l."lastAttemptAt" DESC LIMIT 1) f ON true
      JOIN "Defect" d ON d.id = f."defectId"`,
};

export async function syncStatus(s: StatusSources) {
  const { prisma } = s;
  const enabled = [...s.queues.keys()];
  // The configured connections first, in configuration order, then retired ones that still have links.
  const names = [...new Set([...enabled, ...s.kinds.keys()])];
  const errors: string[] = [];
  // Redis being away must not take the database figures with it: those parts come back null, with why.
  const fromRedis = <T>(what: string, read: () => Promise<T>): Promise<T | null> =>
    withTimeout(read(), what).catch((err: unknown) => (errors.push(`${what}: ${(err as Error).message}`), null));
  const counts = queueCounts(s.queues);

  const [links, perConnection, failures, conflicts, polls, outbox, queues, webhooks, backfills] = await Promise.all([
    // Kept exact by triggers on TrackerLink (LinkStateCount): five rows per connection, however many links.
    prisma.$queryRaw<LinkRow[]>`SELECT connection, "syncState"::text AS state, n FROM "LinkStateCount"`,
    prisma.$queryRaw<ConnectionRow[]>(statusSql.perConnection(names)),
    // The newest attempt per connection and failing state, each one step down the index; the newer of the
    // two states is picked below.
    prisma.$queryRaw<FailureRow[]>(statusSql.newestFailures(names)),
    prisma.$queryRaw<{ connection: string; n: number }[]>`
      SELECT connection, count(*)::int AS n FROM "SyncConflict"
      WHERE "decidedAt" > now() - interval '24 hours' GROUP BY 1`,
    prisma.pollCursor.findMany(),
    outboxBacklog(prisma)(),
    fromRedis('queues', () => Promise.all(enabled.map(async (c) => [c, await counts(c)] as const))),
    fromRedis('webhooks', () => s.webhookStats.last24h(names)),
    s.backfills?.progressOf(names) ?? new Map(),
  ]);

  const connections = names.flatMap((connection) => {
    const on = s.queues.has(connection);
    const byState = Object.fromEntries(SYNC_STATES.map((st) => [st, links.find((l) => l.connection === connection && l.state === st)?.n ?? 0])) as Record<
      (typeof SYNC_STATES)[number],
      number
    >;
    const total = Object.values(byState).reduce((a, b) => a + b, 0);
    // A retired connection without links is history, not something to watch.
    if (!on && total === 0) return [];
    const row = perConnection.find((r) => r.connection === connection);
    const q = queues?.find(([c]) => c === connection)?.[1];
    const queue = on && q ? { waiting: (q.waiting ?? 0) + (q.prioritized ?? 0), active: q.active ?? 0, delayed: q.delayed ?? 0, failed: q.failed ?? 0 } : null;
    const hooks: WebhookCounts | null = webhooks?.get(connection) ?? null;
    const poll = polls.find((p) => p.connection === connection);
    const lastSuccessAt = row?.last_success?.toISOString() ?? null;
    const newest = failures.filter((f) => f.connection === connection).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    const lastFailure = newest ? { at: newest.at.toISOString(), state: newest.state, error: newest.error, defect: formatDefectKey(newest.number) } : null;
    const checked = on ? s.checks?.get(connection) : undefined;
    const checkErrors = checked?.findings.filter((f) => f.level === 'error').map((f) => f.what) ?? [];
    return [
      {
        connection,
        tracker: s.kinds.get(connection) ?? null,
        enabled: on,
        ...trackerHealth({ enabled: on, links: byState, queue, webhooks: hooks, lastSuccessAt, lastFailureAt: lastFailure?.at ?? null, pollError: poll?.lastError ?? null, checkErrors }),
        queue,
        lastSuccessAt,
        lastFailure,
        /** Defects with a ticket in this connection (one link per defect and connection). */
        linkedDefects: total - (row?.without_ticket ?? 0),
        links: byState,
        conflicts24h: conflicts.find((c) => c.connection === connection)?.n ?? 0,
        webhooks24h: hooks,
        /** The last configuration check: its worst level and what needs a look (errors and warnings); null before the first. */
        check: checked ? { level: checked.level, checkedAt: checked.checkedAt, findings: checked.findings.filter((f) => f.level !== 'ok') } : null,
        poll: poll ? { cursor: poll.cursor.toISOString(), lastPollAt: poll.lastPollAt?.toISOString() ?? null, lastError: poll.lastError } : null,
        backfill: backfills.get(connection) ?? null,
      },
    ];
  });
  return {
    generatedAt: new Date().toISOString(),
    connections,
    outbox: { unpublished: outbox.unpublished, oldestAgeSeconds: Math.round(outbox.oldestAgeSeconds * 10) / 10 },
    ...(errors.length && { errors }),
  };
}
