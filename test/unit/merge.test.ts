import { describe, expect, it } from 'vitest';
import { conflictingFields, laterWins, mergeTicket, type MergeInput } from '../../src/sync/merge.ts';
import { inboundStatusMove } from '../../src/domain/lifecycle.ts';
import type { TicketFields } from '../../connectors/contract.ts';

const BASE: TicketFields = { title: 'Login fails', description: 'Steps', severity: 'medium', status: 'open', assignee: 'ana@example.com' };
const BOTH = { title: 'both', description: 'both', severity: 'both', status: 'both', assignee: 'both' } as const;
const t = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s));

function input(over: Partial<MergeInput>): MergeInput {
  return { local: BASE, remote: BASE, base: BASE, directions: BOTH, localTimes: {}, remoteTimes: {}, ...over };
}

describe('mergeTicket', () => {
  it('does nothing when neither side changed', () => {
    const r = mergeTicket(input({}));
    expect(r).toEqual({ push: new Set(), pull: {}, conflicts: [], next: BASE });
  });

  it('pushes what only the defect changed and pulls what only the ticket changed', () => {
    const r = mergeTicket(input({ local: { ...BASE, title: 'New title' }, remote: { ...BASE, severity: 'high' } }));
    expect([...r.push]).toEqual(['title']);
    expect(r.pull).toEqual({ severity: 'high' });
    expect(r.conflicts).toEqual([]);
    expect(r.next).toEqual({ ...BASE, title: 'New title', severity: 'high' });
  });

  it('treats the same change on both sides as agreement, not a conflict', () => {
    const r = mergeTicket(input({ local: { ...BASE, status: 'resolved' }, remote: { ...BASE, status: 'resolved' } }));
    expect(r.push.size).toBe(0);
    expect(r.pull).toEqual({});
    expect(r.conflicts).toEqual([]);
    expect(r.next.status).toBe('resolved');
  });

  it('lets the later change win a conflict, field by field, and records both sides', () => {
    const r = mergeTicket(
      input({
        local: { ...BASE, title: 'Defect title', assignee: 'bob@example.com' },
        remote: { ...BASE, title: 'Ticket title', assignee: null },
        localTimes: { title: t(10), assignee: t(30) },
        remoteTimes: { title: t(20), assignee: t(25) },
      }),
    );
    expect(r.pull).toEqual({ title: 'Ticket title' });
    expect([...r.push]).toEqual(['assignee']);
    expect(r.conflicts).toEqual([
      { field: 'title', defectValue: 'Defect title', remoteValue: 'Ticket title', defectChangedAt: t(10), remoteChangedAt: t(20), winner: 'tracker' },
      { field: 'assignee', defectValue: 'bob@example.com', remoteValue: null, defectChangedAt: t(30), remoteChangedAt: t(25), winner: 'defect' },
    ]);
    expect(r.next).toEqual({ ...BASE, title: 'Ticket title', assignee: 'bob@example.com' });
  });

  it('keeps the defect value on equal times and when the tracker cannot say when', () => {
    const conflict = { local: { ...BASE, title: 'A' }, remote: { ...BASE, title: 'B' } };
    expect(mergeTicket(input({ ...conflict, localTimes: { title: t(5) }, remoteTimes: { title: t(5) } })).conflicts[0]!.winner).toBe('defect');
    expect(mergeTicket(input({ ...conflict, localTimes: { title: t(5) } })).conflicts[0]!.winner).toBe('defect');
    expect(mergeTicket(input({ ...conflict, remoteTimes: { title: t(5) } })).conflicts[0]!.winner).toBe('tracker');
  });

  it('obeys field directions', () => {
    const changed = { local: { ...BASE, title: 'L', severity: 'low' as const }, remote: { ...BASE, title: 'R', description: 'R' } };
    const r = mergeTicket(input({ ...changed, directions: { ...BOTH, title: 'outbound', description: 'off', severity: 'inbound' } }));
    expect([...r.push]).toEqual(['title']); // outbound: the ticket's title change is not taken
    expect(r.pull).toEqual({}); // description off; severity inbound but only the defect changed it
    expect(r.next).toEqual({ ...BASE, title: 'L' });
    const inbound = mergeTicket(input({ remote: { ...BASE, severity: 'critical' }, directions: { ...BOTH, severity: 'inbound' } }));
    expect(inbound.pull).toEqual({ severity: 'critical' });
  });

  it('pushes every outbound field when there is no snapshot, and takes the rest as the ticket holds them', () => {
    const r = mergeTicket(input({ base: null, local: { ...BASE, title: 'L' }, remote: { ...BASE, description: 'R' }, directions: { ...BOTH, description: 'inbound' } }));
    expect([...r.push].sort()).toEqual(['assignee', 'severity', 'status', 'title']);
    expect(r.pull).toEqual({});
    expect(r.next).toEqual({ ...BASE, title: 'L', description: 'R' });
  });

  it('ignores remote values it was told it cannot take', () => {
    const r = mergeTicket(input({ remote: { ...BASE, assignee: null }, ignoreRemote: new Set(['assignee']) }));
    expect(r.pull).toEqual({});
    expect(r.next.assignee).toBe('ana@example.com');
  });
});

describe('conflictingFields', () => {
  it('names only fields both sides changed to different values', () => {
    expect(
      conflictingFields({
        local: { ...BASE, title: 'A', severity: 'high', status: 'resolved' },
        remote: { ...BASE, title: 'B', severity: 'high', description: 'x' },
        base: BASE,
        directions: BOTH,
      }),
    ).toEqual(['title']);
  });
});

describe('laterWins', () => {
  it('compares instants, not clocks', () => {
    expect(laterWins(new Date('2026-11-28T10:00:00+01:00'), new Date('2026-11-28T09:30:00Z'))).toBe('tracker');
  });
});

describe('inboundStatusMove', () => {
  it.each([
    ['open', 'resolved', 'resolved'],
    ['in_progress', 'open', 'open'],
    ['resolved', 'open', 'reopened'],
    ['closed', 'in_progress', 'reopened'],
    ['resolved', 'closed', 'closed'],
    ['reopened', 'resolved', 'resolved'],
    ['open', 'open', 'open'],
    ['closed', 'resolved', null],
    ['reopened', 'open', null],
  ] as const)('%s + tracker says %s → %s', (current, remote, expected) => {
    expect(inboundStatusMove(current, remote)).toBe(expected);
  });
});
