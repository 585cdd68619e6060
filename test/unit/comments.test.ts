// Pure parts of issue 15: comment markers and attribution, test evidence bodies, the evidenceComments setting.
import { describe, expect, it } from 'vitest';
import { attribution, commentMarker, findCommentMarker, markdownComment, plainComment } from '../../connectors/comment-text.ts';
import { findMarker } from '../../connectors/marker.ts';
import { closeBody, reopenBody } from '../../src/store/evidence.ts';
import { parseSyncConfig } from '../../src/sync/sync-config.ts';
import { digestOf, fitComment } from '../../src/sync/comment-sync.ts';

const ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('comment text', () => {
  it('attributes and marks a copy; a raw (the person\'s own) comment is written as it is', () => {
    const c = { commentId: ID, body: 'Hi', authorName: 'Ana *admin*', writtenIn: 'Jira' };
    expect(attribution(c)).toBe('**Ana \\*admin\\*** wrote in Jira:');
    expect(markdownComment(c)).toBe(`**Ana \\*admin\\*** wrote in Jira:\n\nHi\n\n<!-- defect-sync-comment-${ID} -->`);
    expect(plainComment(c)).toBe(`Ana *admin* wrote in Jira:\n\nHi\n\ndefect-sync-comment-${ID}`);
    expect(markdownComment({ ...c, raw: true })).toBe('Hi');
    expect(findCommentMarker(markdownComment(c))).toBe(ID);
    expect(findCommentMarker('no marker here')).toBeNull();
    // A comment marker is never read as a ticket's marker.
    expect(findMarker(commentMarker(ID))).toBeNull();
  });

  it('fits tracker text to the defect comment rules', () => {
    expect(fitComment('a\u0000b')).toBe('a\ufffdb');
    expect(fitComment('x'.repeat(70_000))).toHaveLength(65_536);
    expect(fitComment('   ')).toBe('(empty comment)');
    expect(digestOf('a\r\nb ')).toBe(digestOf('a\nb'));
  });
});

describe('test evidence bodies', () => {
  const ranAt = new Date('2026-12-01T03:04:05.678Z');
  it('names the test case, launch, time and only the first line of the failure', () => {
    expect(reopenBody({ testCase: 'login › safari', launch: 'nightly-7', ranAt, message: 'expected 200\ngot 500' })).toBe(
      'Reopened: `login › safari` failed again in launch `nightly-7` at 2026-12-01T03:04:05Z.\n\n> expected 200',
    );
    expect(reopenBody({ testCase: 't', launch: 'l', ranAt, message: null })).toBe('Reopened: `t` failed again in launch `l` at 2026-12-01T03:04:05Z.');
  });
  it('lists the verifying runs', () => {
    expect(closeBody([{ testCase: 'a', launch: 'n1', ranAt }, { testCase: 'b', launch: 'n2', ranAt }])).toBe(
      'Verified and closed: the latest run of every linked test case passed.\n\n- `a` passed in launch `n1` at 2026-12-01T03:04:05Z\n- `b` passed in launch `n2` at 2026-12-01T03:04:05Z',
    );
  });
});

describe('evidenceComments per connection', () => {
  it('is carried from SYNC_CONFIG as false only when set so', () => {
    const sync = parseSyncConfig(
      ['connections:', '  quiet:', '    kind: github', '    repository: acme/quiet', '    token: t', '    evidenceComments: false', '  loud:', '    kind: github', '    repository: acme/loud', '    token: t'].join('\n'),
    );
    expect(sync.connections.find((c) => c.name === 'quiet')!.evidenceComments).toBe(false);
    expect(sync.connections.find((c) => c.name === 'loud')!.evidenceComments).toBeUndefined();
    expect(() => parseSyncConfig(['connections:', '  x:', '    kind: github', '    repository: a/b', '    token: t', '    evidenceComments: nope'].join('\n'))).toThrow(/evidenceComments/);
  });
});
