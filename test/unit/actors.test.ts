import { describe, expect, it } from 'vitest';
import { isReservedActor, trackerActor, VERIFICATION_ACTOR } from '../../src/domain/actors.ts';

describe('reserved actor names', () => {
  it.each([VERIFICATION_ACTOR, 'VERIFICATION', ' verification', trackerActor('jira'), 'tracker:anything', 'Tracker:GitHub', 'system', 'System:reconciler'])(
    '%j is reserved',
    (name) => expect(isReservedActor(name)).toBe(true),
  );
  it.each(['api', 'user:ann', 'verifications', 'systems-team', 'user:tracker:jira', 'tracker', 'ann@example.com'])('%j is not', (name) =>
    expect(isReservedActor(name)).toBe(false),
  );
});
