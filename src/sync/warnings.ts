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
  return warnings;
}
