import { describe, expect, it } from 'vitest';
import { syncWarnings } from '../../src/sync/warnings.ts';
import { TICKET_FIELDS, type TicketFields } from '../../connectors/contract.ts';

// A connector that knows only ana: like every connector, canonical() turns an unmapped person into null.
const connector = {
  kind: 'jira' as const,
  canonical: (f: TicketFields): TicketFields => ({ ...f, assignee: f.assignee === 'ana@example.com' ? f.assignee : null }),
};
const fields: TicketFields = { title: 't', description: '', severity: 'low', status: 'open', assignee: 'carol@example.com', milestone: null, tags: [] };
const all = new Set(TICKET_FIELDS);

describe('syncWarnings', () => {
  it('names an assignee the tracker cannot show', () => {
    expect(syncWarnings(connector, fields, all)).toEqual([
      'assignee carol@example.com has no jira account in the people mapping; the ticket is left unassigned',
    ]);
  });

  it('is empty for a mapped assignee, no assignee, or an assignee that does not sync outbound', () => {
    expect(syncWarnings(connector, { ...fields, assignee: 'ana@example.com' }, all)).toEqual([]);
    expect(syncWarnings(connector, { ...fields, assignee: null }, all)).toEqual([]);
    expect(syncWarnings(connector, fields, new Set(['title'] as const))).toEqual([]);
  });
});
