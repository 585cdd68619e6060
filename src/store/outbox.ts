// The write side of the transactional outbox. Rows are inserted by the same transaction as the change
// they describe; NOTIFY is delivered by Postgres only when that transaction commits, so the relay
// wakes exactly when there is something committed to publish.
import type { Tx } from '../db.ts';
import { defectEvents, recordHookEvent } from '../hooks/events.ts';

export const OUTBOX_CHANNEL = 'defect_sync_outbox';

export type OutboxKind =
  | 'defect.created'
  | 'defect.updated'
  | 'defect.status_changed'
  | 'defect.case_run_linked'
  /** A person linked an existing ticket: bring it up to date. */
  | 'defect.ticket_linked'
  /** A comment was added, edited or deleted (in Defect Sync or pulled from a tracker): a `comments` job. */
  | 'defect.commented';

export type OutboxPayload = {
  version: number;
  /** Synced fields this change touched (status included when it moved). */
  fields: string[];
  status?: { from: string; to: string };
  caseRunIds?: string[];
  actor: string;
  /** The tracker the change came from, if it came from one: its queue is skipped. */
  origin?: string;
  /** defect.commented: the comment concerned. */
  commentId?: string;
};

export async function appendOutbox(tx: Tx, defectId: string, kind: OutboxKind, payload: OutboxPayload): Promise<void> {
  await tx.outboxEvent.create({ data: { defectId, kind, payload } });
  // The same change, for the outgoing webhooks that take it (their own outbox: src/hooks/events.ts).
  await recordHookEvent(tx, defectEvents(kind, payload), defectId, {
    actor: payload.actor,
    fields: payload.fields,
    ...(payload.status && { status: payload.status }),
    ...(payload.origin && { origin: payload.origin }),
  });
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
}
