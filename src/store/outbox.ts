// The write side of the transactional outbox. Rows are inserted by the same transaction as the change
// they describe; NOTIFY is delivered by Postgres only when that transaction commits, so the relay
// wakes exactly when there is something committed to publish.
import { Prisma, type Tx } from '../db.ts';
import { defectEvents, hookDeliveriesInsert } from '../hooks/events.ts';

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

/**
 * The outbox row, the outgoing webhooks' deliveries of the same change (their own outbox:
 * src/hooks/events.ts) and the NOTIFY, in one statement: every write of a defect pays for one round
 * trip here, not three.
 */
export async function appendOutbox(tx: Tx, defectId: string, kind: OutboxKind, payload: OutboxPayload): Promise<void> {
  await tx.$executeRaw`WITH ${outboxCtes(defectId, kind, payload)} SELECT 1`;
}

/**
 * appendOutbox's writes as two CTEs (`outbox`, `hooks`), for a change's own statement to carry. The NOTIFY
 * rides in the outbox row's RETURNING (a data-modifying CTE runs whether or not the statement reads it), so
 * every statement that records an outbox row wakes the relay. With `gate` (the name of an earlier CTE: the
 * change's own write), nothing is recorded, and nobody woken, unless the gate wrote a row.
 */
export function outboxCtes(defectId: string, kind: OutboxKind, payload: OutboxPayload, gate?: 'd'): Prisma.Sql {
  const change = {
    actor: payload.actor,
    fields: payload.fields,
    ...(payload.status && { status: payload.status }),
    ...(payload.origin && { origin: payload.origin }),
  };
  const from = gate ? Prisma.raw(`FROM ${gate}`) : Prisma.empty;
  return Prisma.sql`
    outbox AS (
      INSERT INTO "OutboxEvent" ("defectId", kind, payload) SELECT ${defectId}::uuid, ${kind}, ${JSON.stringify(payload)}::jsonb ${from}
      RETURNING id, pg_notify(${OUTBOX_CHANNEL}, '')
    ), hooks AS (${hookDeliveriesInsert(defectEvents(kind, payload), defectId, change)} AND EXISTS (SELECT 1 FROM outbox) RETURNING 1)`;
}
