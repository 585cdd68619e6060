// The snapshot a link keeps of what both sides held after the last sync, the digest of the generated
// footer, and the ticket a create sends. Pure; which fields go which way is src/sync/merge.ts.
import { createHash } from 'node:crypto';
import type { OutboundTicket, TicketChange, TicketContext, TicketField, TicketFields } from '../../connectors/contract.ts';

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
      milestone: outbound.has('milestone') ? f.milestone : null,
      tags: outbound.has('tags') ? f.tags : [],
    },
  };
}

/** What a ticket holds of a field the connector did not write (withheld on create). */
const NEUTRAL: Partial<TicketFields> = { description: '', assignee: null, milestone: null, tags: [] };

/**
 * The snapshot's fields after a create: what was sent, as it reads back, except where the connector
 * withheld a change (the ticket was made without it), which the ticket holds at its neutral value; the
 * next sync then tries that field again.
 */
export function createdFields(canonical: TicketFields, withheld: readonly TicketChange[]): TicketFields {
  const out = { ...canonical };
  for (const c of withheld) if (c !== 'context' && c in NEUTRAL) (out as Record<string, unknown>)[c] = NEUTRAL[c];
  return out;
}
