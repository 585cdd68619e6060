import { describe, expect, it } from 'vitest';
import { conflictingFields, firstLinkBase, laterWins, mergeTicket, type MergeInput } from '../../src/sync/merge.ts';
import { checkTransition, inboundStatusPath } from '../../src/domain/lifecycle.ts';
import type { TicketFields } from '../../connectors/contract.ts';

const BASE: TicketFields = { title: 'Login fails', description: 'Steps', severity: 'medium', status: 'open', assignee: 'ana@example.com', milestone: null, tags: [] };
const BOTH = { title: 'both', description: 'both', severity: 'both', status: 'both', assignee: 'both', milestone: 'both', tags: 'both' } as const;
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
    expect([...r.push].sort()).toEqual(['assignee', 'milestone', 'severity', 'status', 'title']);
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

describe('laterWins at the coarser resolution of the two times', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    // GitHub keeps whole seconds: 10:00:05 means some time in 10:00:05.000–.999, so a stamp within that second is a tie (the defect's value, as for any tie).
    ['2026-11-28T10:00:05.300Z', '2026-11-28T10:00:05.000Z', 'defect'],
    ['2026-11-28T10:00:05.000Z', '2026-11-28T10:00:05.300Z', 'defect'],
    ['2026-11-28T10:00:05.000Z', '2026-11-28T10:00:05.999Z', 'defect'],
    ['2026-11-28T10:00:05.999Z', '2026-11-28T10:00:06.000Z', 'tracker'],
    ['2026-11-28T10:00:06.000Z', '2026-11-28T10:00:05.999Z', 'defect'],
    // Both in milliseconds: compared in milliseconds.
    ['2026-11-28T10:00:05.300Z', '2026-11-28T10:00:05.301Z', 'tracker'],
    ['2026-11-28T10:00:05.301Z', '2026-11-28T10:00:05.300Z', 'defect'],
    ['2026-11-28T10:00:05.300Z', '2026-11-28T10:00:05.300Z', 'defect'],
  ] as const)('defect %s vs tracker %s → %s', (defectAt, remoteAt, winner) => {
    expect(laterWins(at(defectAt), at(remoteAt))).toBe(winner);
  });
});

describe('firstLinkBase', () => {
  it('takes the ticket as the base, but an empty description or no assignee on the defect is not a change', () => {
    const remote = { ...BASE, description: 'Ticket text', assignee: 'bob@example.com' };
    expect(firstLinkBase({ ...BASE, description: '', assignee: null }, remote)).toEqual({ ...remote, description: '', assignee: null });
    expect(firstLinkBase({ ...BASE, description: 'Defect text' }, remote)).toEqual(remote);
    // Merged against that base, the ticket's text comes in and the defect's title goes out.
    const local = { ...BASE, title: 'Defect title', description: '', assignee: null };
    const r = mergeTicket(input({ local, remote, base: firstLinkBase(local, remote) }));
    expect([...r.push]).toEqual(['title']);
    expect(r.pull).toEqual({ description: 'Ticket text', assignee: 'bob@example.com' });
  });
});

describe('inboundStatusPath', () => {
  it.each([
    ['open', 'resolved', ['resolved']],
    ['in_progress', 'open', ['open']],
    ['resolved', 'open', ['reopened']],
    ['closed', 'open', ['reopened']],
    ['resolved', 'reopened', ['reopened']],
    // A fixed defect a person takes up again: reopened, then in progress (two legal moves), not a bounce back.
    ['resolved', 'in_progress', ['reopened', 'in_progress']],
    ['closed', 'in_progress', ['reopened', 'in_progress']],
    ['resolved', 'closed', ['closed']],
    ['reopened', 'resolved', ['resolved']],
    ['open', 'open', []],
    ['closed', 'resolved', null],
    ['reopened', 'open', null],
  ] as const)('%s + tracker says %s → %j', (current, remote, expected) => {
    const path = inboundStatusPath(current, remote);
    expect(path).toEqual(expected);
    // Every step of a path is a legal move.
    let from: string = current;
    for (const to of path ?? []) {
      expect(checkTransition(from as never, to).ok, `${from} → ${to}`).toBe(true);
      from = to;
    }
  });
});
