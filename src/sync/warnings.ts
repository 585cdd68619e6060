// What a sync could not carry over although it succeeded, in defect terms, so the link can say so
// instead of showing a quiet 'synced'. Pure: decided from the connector's canonical() alone, without
// knowing any tracker's payloads.
import type { Connector, TicketField, TicketFields } from '../../connectors/contract.ts';
import { TRACKER_TITLES } from '../../connectors/comment-text.ts';

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
    if (left.length) {
      // Which rule refused it is the connector's business (see its tagLabels); the README lists them.
      warnings.push(`${TRACKER_TITLES[connector.kind]} cannot carry the ${left.length === 1 ? 'tag' : 'tags'} ${left.map((t) => JSON.stringify(t)).join(', ')}; kept on the defect only`);
    }
  }
  return warnings;
}
