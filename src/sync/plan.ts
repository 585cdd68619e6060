// What outbound sync must write: the defect as the tracker would show it, compared with the snapshot
// of what the ticket last held. Pure, so the rules are unit-tested without a tracker.
import { createHash } from 'node:crypto';
import { TICKET_FIELDS, type OutboundTicket, type TicketChange, type TicketContext, type TicketField, type TicketFields } from '../../connectors/contract.ts';

/** Stored on the link: the ticket's fields (canonical, defect terms) and a digest of the generated body part. */
export type Snapshot = { fields: TicketFields; contextDigest: string };

/** The generated part of the body changes when the failing runs or the link back change. */
export function contextDigest(context: TicketContext): string {
  const { defectKey, defectUrl, failingRuns } = context;
  // The total counts only when it says more than the list; digests of short lists stay as they were.
  const total = context.failingRunCount ?? failingRuns.length;
  const facts = total === failingRuns.length ? { defectKey, defectUrl, failingRuns } : { defectKey, defectUrl, failingRuns, total };
  return createHash('sha256').update(JSON.stringify(facts)).digest('base64url').slice(0, 22);
}

/**
 * The changes to send: every outbound field whose canonical value differs from the snapshot, plus
 * 'context' when the generated footer would read differently. No snapshot (a ticket linked by hand
 * and never read) means everything is sent. An empty set means no API call.
 */
export function planChanges(
  desired: TicketFields,
  digest: string,
  snapshot: Snapshot | null,
  outbound: ReadonlySet<TicketField>,
): Set<TicketChange> {
  const changes = new Set<TicketChange>();
  for (const field of TICKET_FIELDS) {
    if (outbound.has(field) && (!snapshot || snapshot.fields[field] !== desired[field])) changes.add(field);
  }
  if (!snapshot || snapshot.contextDigest !== digest) changes.add('context');
  return changes;
}

/** The snapshot after writing `changes`: written fields take the desired value, the rest stay as they were. */
export function snapshotAfter(
  desired: TicketFields,
  digest: string,
  previous: Snapshot | null,
  changes: ReadonlySet<TicketChange>,
): Snapshot {
  const fields = { ...(previous?.fields ?? desired) } as Record<TicketField, unknown>;
  for (const field of TICKET_FIELDS) if (changes.has(field) || !previous) fields[field] = desired[field];
  return { fields: fields as TicketFields, contextDigest: changes.has('context') || !previous ? digest : previous.contextDigest };
}

export function parseSnapshot(value: unknown): Snapshot | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<Snapshot>;
  return v.fields && typeof v.contextDigest === 'string' ? { fields: v.fields, contextDigest: v.contextDigest } : null;
}

/**
 * The ticket a create sends. A field that does not sync outbound starts at the tracker's neutral value
 * (no assignee, open, empty description) rather than copying the defect; title and severity are always
 * copied, because a ticket needs a title and the footer states the severity anyway.
 */
export function ticketToCreate(ticket: OutboundTicket, outbound: ReadonlySet<TicketField>): OutboundTicket {
  const f = ticket.fields;
  return {
    ...ticket,
    fields: {
      ...f,
      description: outbound.has('description') ? f.description : '',
      status: outbound.has('status') ? f.status : 'open',
      assignee: outbound.has('assignee') ? f.assignee : null,
    },
  };
}
