// Polling for what webhooks miss (Asana delivers at most once; GitHub and Jira retry only briefly). Each
// pass asks the tracker for tickets changed since the stored cursor, minus an overlap for clock skew and
// whole-second timestamps, and records each as an inbound notice identified by the ticket and its change
// time (and, where that time is whole seconds, a digest of the listed ticket): a change seen by two overlapping passes, or already seen by a webhook-driven sync, is recorded
// once and costs at most one read. The cursor is the tracker's own time of the newest change seen: the
// connector answers every change up to its newest one (contract.ts), so no change is passed unread.
import type { PrismaClient } from '../db.ts';
import type { Connector } from '../../connectors/contract.ts';
import type { WebhookNotice } from '../../connectors/webhooks.ts';
import type { Logger } from '../logger.ts';
import type { Inbox } from './inbox.ts';

/** Re-read this much before the cursor: other clocks, whole-second times, changes committed late. */
export const POLL_OVERLAP_MS = 2 * 60_000;
/** Tickets per pass; a busier tracker is caught up by the following passes. */
export const POLL_LIMIT = 500;
/** Notices recorded per statement: one pass may bring thousands (Asana answers every change at once). */
const RECORD_BATCH = 500;

export type PollResult = { seen: number; recorded: number; cursor: Date };

export async function pollTracker(prisma: PrismaClient, connector: Connector, inbox: Inbox, log: Logger, now = new Date()): Promise<PollResult> {
  const { connection } = connector;
  const stored = await prisma.pollCursor.findUnique({ where: { connection } });
  // The first pass starts now: what changed before the service watched is not "missed".
  const cursor = stored?.cursor ?? now;
  try {
    const linked = connector.pollsLinked ? await linkedRemoteIds(prisma, connection) : undefined;
    const changed = await connector.changedSince(new Date(cursor.getTime() - POLL_OVERLAP_MS), POLL_LIMIT, linked);
    // A full answer that reaches no further than the cursor held only the overlap: more than a pass of
    // changes within it (a bulk edit). Every pass would read those same ones again and the cursor never
    // move, so read on from the cursor itself. (Left stuck only by more than POLL_LIMIT changes stamped
    // with one same instant.)
    if (changed.length >= POLL_LIMIT && !changed.some((c) => c.updatedAt > cursor)) changed.push(...(await connector.changedSince(cursor, POLL_LIMIT, linked)));
    // One notice per (ticket, change time, version), however many times the answers above list it.
    const notices = [
      ...new Map<string, WebhookNotice>(
        changed.map((c): [string, WebhookNotice] => {
          const deliveryId = `poll-${c.remoteId}-${c.updatedAt.toISOString()}${c.version ? `-${c.version}` : ''}`;
          return [deliveryId, { deliveryId, event: 'poll', remoteIds: [c.remoteId] }];
        }),
      ).values(),
    ];
    // All recorded before the cursor moves: a pass cut short is read again, its notices recorded once.
    const recorded = { accepted: 0 };
    for (let i = 0; i < notices.length; i += RECORD_BATCH) {
      const batch = await inbox.record(connection, notices.slice(i, i + RECORD_BATCH), 'poll');
      await inbox.dispatch(batch.rows);
      recorded.accepted += batch.accepted;
    }
    const newest = changed.reduce((max, c) => (c.updatedAt > max ? c.updatedAt : max), cursor);
    await prisma.pollCursor.upsert({
      where: { connection },
      create: { connection, cursor: newest, lastPollAt: now, lastError: null },
      update: { cursor: newest, lastPollAt: now, lastError: null },
    });
    if (recorded.accepted) log.info({ connection, changed: notices.length, recorded: recorded.accepted }, 'poll found changes');
    return { seen: notices.length, recorded: recorded.accepted, cursor: newest };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await prisma.pollCursor.upsert({
      where: { connection },
      create: { connection, cursor, lastPollAt: now, lastError: message.slice(0, 1000) },
      update: { lastPollAt: now, lastError: message.slice(0, 1000) },
    });
    throw err;
  }
}

/** The tickets of this connection linked to a defect (a link recorded missing is no longer followed). */
async function linkedRemoteIds(prisma: PrismaClient, connection: string): Promise<string[]> {
  const links = await prisma.trackerLink.findMany({ where: { connection, remoteId: { not: null }, syncState: { not: 'missing' } }, select: { remoteId: true } });
  return links.map((l) => l.remoteId!);
}
