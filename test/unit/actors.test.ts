import { describe, expect, it } from 'vitest';
import { isReservedActor, trackerActor, VERIFICATION_ACTOR } from '../../src/domain/actors.ts';

describe('reserved actor names', () => {
  it.each([VERIFICATION_ACTOR, 'VERIFICATION', ' verification', 'triage', 'Triage ', trackerActor('jira'), 'tracker:anything', 'Tracker:GitHub', 'system', 'System:reconciler'])(
    '%j is reserved',
    (name) => expect(isReservedActor(name)).toBe(true),
  );
  it.each(['api', 'user:ann', 'verifications', 'systems-team', 'user:tracker:jira', 'tracker', 'ann@example.com'])('%j is not', (name) =>
    expect(isReservedActor(name)).toBe(false),
  );

  // Security F8: names that only look like a reserved one (invisible or format characters, compatibility
  // forms) are reserved too: NFKC, then the default-ignorable characters removed, before the check.
  it.each([
    ['a zero-width space', 'verification\u200b'],
    ['a zero-width space inside', 'veri\u200bfication'],
    ['a soft hyphen', 'verifi\u00adcation'],
    ['a zero-width joiner', 'sys\u200dtem'],
    ['a word joiner', 'system\u2060:reconciler'],
    ['a byte order mark', '\ufefftracker:jira'],
    ['a right-to-left mark', 'tracker:\u200fgithub'],
    ['a variation selector', 'system\ufe0f'],
    ['a combining grapheme joiner', 'verifica\u034ftion'],
    ['a Hangul filler', 'verification\u3164'],
    ['fullwidth letters', '\uff56\uff45\uff52\uff49\uff46\uff49\uff43\uff41\uff54\uff49\uff4f\uff4e'],
    ['a fullwidth colon', 'tracker\uff1ajira'],
    ['mathematical bold letters', '\u{1d42c}\u{1d432}\u{1d42c}\u{1d42d}\u{1d41e}\u{1d426}'],
    ['a no-break space around it', '\u00a0verification\u00a0'],
    ['a ligature', 'veri\ufb01cation'],
  ])('a name with %s is reserved (%j)', (_what, name) => expect(isReservedActor(name)).toBe(true));
  it.each(['user:verification\u200b', 'verification-bot', 'user:\uff41nn'])('%j is still not', (name) => expect(isReservedActor(name)).toBe(false));
});
