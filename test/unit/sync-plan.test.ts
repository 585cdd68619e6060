import { describe, expect, it } from 'vitest';
import { contextDigest, ticketToCreate } from '../../src/sync/plan.ts';
import { TICKET_FIELDS, type TicketContext, type TicketFields } from '../../connectors/contract.ts';

const fields: TicketFields = { title: 'Login fails', description: 'steps', severity: 'high', status: 'open', assignee: 'ana@example.com', milestone: null, tags: [] };
const context: TicketContext = {
  defectId: '6f1c1f0e-8a52-4d7e-9a43-0d2f4f2b8d11',
  defectKey: 'DEF-1',
  defectUrl: 'http://localhost:3000/api/defects/DEF-1',
  failingRuns: [{ testCase: 'login', launch: 'nightly', message: 'boom', ranAt: '2026-11-24T10:00:00.000Z' }],
};
const all = new Set(TICKET_FIELDS);

describe('contextDigest', () => {
  it('changes with the runs and the link, not with the defect id alone', () => {
    expect(contextDigest(context)).toBe(contextDigest({ ...context }));
    expect(contextDigest({ ...context, defectUrl: 'http://other/api/defects/DEF-1' })).not.toBe(contextDigest(context));
    const more = { ...context, failingRuns: [...context.failingRuns, { ...context.failingRuns[0]!, launch: 'pr-7' }] };
    expect(contextDigest(more)).not.toBe(contextDigest(context));
  });

  it('counts the failing runs beyond the listed ones only when there are more than listed', () => {
    const counted = { ...context, failingRunCount: 31 };
    expect(contextDigest({ ...context, failingRunCount: 1 })).toBe(contextDigest(context));
    expect(contextDigest(counted)).not.toBe(contextDigest(context));
    expect(contextDigest({ ...context, failingRunCount: 32 })).not.toBe(contextDigest(counted));
  });
});

describe('ticketToCreate', () => {
  it('copies every field that syncs outbound', () => {
    expect(ticketToCreate({ fields: { ...fields, status: 'resolved' }, context }, all).fields).toEqual({ ...fields, status: 'resolved' });
  });

  it('starts the others neutral, but always copies title and severity', () => {
    const created = ticketToCreate({ fields: { ...fields, status: 'resolved' }, context }, new Set(['title'] as const));
    expect(created.fields).toEqual({ title: 'Login fails', description: '', severity: 'high', status: 'open', assignee: null, milestone: null, tags: [] });
    expect(created.context).toBe(context);
  });
});
