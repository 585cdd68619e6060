// What a sync could not carry over although it succeeded, in defect terms, so the link can say so
// instead of showing a quiet 'synced'. Pure: decided from the connector's canonical() alone, without
// knowing any tracker's payloads.
import type { Connector, TicketField, TicketFields } from '../../connectors/contract.ts';

export function syncWarnings(connector: Pick<Connector, 'kind' | 'canonical'>, fields: TicketFields, outbound: ReadonlySet<TicketField>): string[] {
  const warnings: string[] = [];
  // canonical() turns a person missing from the people mapping into nobody: the ticket stays unassigned.
  if (outbound.has('assignee') && fields.assignee !== null && connector.canonical(fields).assignee === null) {
    warnings.push(`assignee ${fields.assignee} has no ${connector.kind} account in the people mapping; the ticket is left unassigned`);
  }
  // A tag the tracker cannot carry (canonical() leaves it out): it stays on the defect only.
  if (outbound.has('tags')) {
    const carried = new Set(connector.canonical(fields).tags);
    const left = fields.tags.filter((t) => !carried.has(t));
    if (left.length) warnings.push(`${left.length === 1 ? 'the tag' : 'the tags'} ${left.map((t) => JSON.stringify(t)).join(', ')} cannot be ${connector.kind} ${connector.kind === 'asana' ? 'tags' : 'labels'}; kept on the defect only`);
  }
  return warnings;
}
