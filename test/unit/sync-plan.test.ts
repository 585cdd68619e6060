import { describe, expect, it } from 'vitest';
import { contextDigest, planChanges, snapshotAfter, ticketToCreate, type Snapshot } from '../../src/sync/plan.ts';
import { TICKET_FIELDS, type TicketContext, type TicketFields } from '../../connectors/contract.ts';

const fields: TicketFields = { title: 'Login fails', description: 'steps', severity: 'high', status: 'open', assignee: 'ana@example.com' };
const context: TicketContext = {
  defectId: '6f1c1f0e-8a52-4d7e-9a43-0d2f4f2b8d11',
  defectKey: 'DEF-1',
  defectUrl: 'http://localhost:3000/api/defects/DEF-1',
  failingRuns: [{ testCase: 'login', launch: 'nightly', message: 'boom', ranAt: '2026-11-24T10:00:00.000Z' }],
};
const all = new Set(TICKET_FIELDS);
const snap = (over: Partial<TicketFields> = {}, digest = contextDigest(context)): Snapshot => ({ fields: { ...fields, ...over }, contextDigest: digest });

describe('planChanges', () => {
  it('is empty when the ticket already shows the defect', () => {
    expect(planChanges(fields, contextDigest(context), snap(), all).size).toBe(0);
  });

  it('lists exactly the fields that differ', () => {
    const changes = planChanges({ ...fields, title: 'New', assignee: null }, contextDigest(context), snap(), all);
    expect([...changes]).toEqual(['title', 'assignee']);
  });

  it('adds context when the failing runs change', () => {
    const more = { ...context, failingRuns: [...context.failingRuns, { ...context.failingRuns[0]!, launch: 'pr-7' }] };
    expect([...planChanges(fields, contextDigest(more), snap(), all)]).toEqual(['context']);
  });

  it('adds context when only the count of failing runs beyond the listed ones changes', () => {
    const counted = { ...context, failingRunCount: 31 };
    expect(contextDigest({ ...context, failingRunCount: 1 })).toBe(contextDigest(context));
    expect([...planChanges(fields, contextDigest(counted), snap(), all)]).toEqual(['context']);
    expect(contextDigest({ ...context, failingRunCount: 32 })).not.toBe(contextDigest(counted));
  });

  it('skips fields that do not sync outbound', () => {
    const changes = planChanges({ ...fields, title: 'New', severity: 'low' }, contextDigest(context), snap(), new Set(['severity'] as const));
    expect([...changes]).toEqual(['severity']);
  });

  it('sends everything outbound when there is no snapshot', () => {
    expect([...planChanges(fields, 'x', null, new Set(['title', 'status'] as const))]).toEqual(['title', 'status', 'context']);
  });
});

describe('snapshotAfter', () => {
  it('takes written fields from the defect and keeps the rest as the ticket had them', () => {
    const previous = snap({ title: 'Old', severity: 'low' }, 'old');
    const next = snapshotAfter({ ...fields, title: 'New' }, 'new', previous, new Set(['title'] as const));
    expect(next).toEqual({ fields: { ...fields, title: 'New', severity: 'low' }, contextDigest: 'old' });
  });

  it('is the desired state when there was no snapshot', () => {
    expect(snapshotAfter(fields, 'd', null, new Set())).toEqual({ fields, contextDigest: 'd' });
  });
});

describe('contextDigest', () => {
  it('changes with the runs and the link, not with the defect id alone', () => {
    expect(contextDigest(context)).toBe(contextDigest({ ...context }));
    expect(contextDigest({ ...context, defectUrl: 'http://other/api/defects/DEF-1' })).not.toBe(contextDigest(context));
  });
});

describe('ticketToCreate', () => {
  it('copies every field that syncs outbound', () => {
    expect(ticketToCreate({ fields: { ...fields, status: 'resolved' }, context }, all).fields).toEqual({ ...fields, status: 'resolved' });
  });

  it('starts the others neutral, but always copies title and severity', () => {
    const created = ticketToCreate({ fields: { ...fields, status: 'resolved' }, context }, new Set(['title'] as const));
    expect(created.fields).toEqual({ title: 'Login fails', description: '', severity: 'high', status: 'open', assignee: null });
    expect(created.context).toBe(context);
  });
});
