import { describe, expect, it } from 'vitest';
import { shouldClose, shouldReopen, titleFromFailedRun } from '../../src/domain/verification.ts';
import { TITLE_MAX } from '../../src/domain/text-rules.ts';

describe('reopening on a new failure', () => {
  it.each(['resolved', 'closed'] as const)('reopens a %s defect when the latest run fails', (status) => {
    expect(shouldReopen(status, { status: 'failed', isLatestOfTestCase: true })).toBe(true);
  });
  it.each(['open', 'in_progress', 'reopened'] as const)('leaves a %s defect alone', (status) => {
    expect(shouldReopen(status, { status: 'failed', isLatestOfTestCase: true })).toBe(false);
  });
  it('ignores a late report of an older failure', () => {
    expect(shouldReopen('resolved', { status: 'failed', isLatestOfTestCase: false })).toBe(false);
  });
  it.each(['passed', 'skipped', 'blocked'] as const)('never reopens on a %s run', (run) => {
    expect(shouldReopen('closed', { status: run, isLatestOfTestCase: true })).toBe(false);
  });
});

describe('closing once every linked test passes', () => {
  const runs = (...s: [string, 'passed' | 'failed' | 'skipped' | 'blocked'][]) => new Map(s);
  it('closes a resolved defect whose every latest run passed', () => {
    expect(shouldClose('resolved', runs(['a', 'passed'], ['b', 'passed']))).toBe(true);
  });
  it('keeps it resolved while one test case still fails, skips or is blocked', () => {
    expect(shouldClose('resolved', runs(['a', 'passed'], ['b', 'failed']))).toBe(false);
    expect(shouldClose('resolved', runs(['a', 'passed'], ['b', 'skipped']))).toBe(false);
    expect(shouldClose('resolved', runs(['a', 'blocked']))).toBe(false);
  });
  it('only closes resolved defects, and never with no linked test', () => {
    expect(shouldClose('in_progress', runs(['a', 'passed']))).toBe(false);
    expect(shouldClose('reopened', runs(['a', 'passed']))).toBe(false);
    expect(shouldClose('resolved', runs())).toBe(false);
  });
});

describe('title of a defect raised from a failed run', () => {
  it('joins the test case and the first line of the message', () => {
    expect(titleFromFailedRun('login.spec › rejects bad password', 'Expected 401\n  at line 3')).toBe(
      'login.spec › rejects bad password: Expected 401',
    );
  });
  it('falls back when there is no message', () => {
    expect(titleFromFailedRun('checkout', null)).toBe('checkout failed');
    expect(titleFromFailedRun('checkout', '\n\nstack')).toBe('checkout failed');
  });
  it('fits the title limit', () => {
    const title = titleFromFailedRun('t', 'x'.repeat(1000));
    expect(title).toHaveLength(TITLE_MAX);
    expect(title.endsWith('…')).toBe(true);
  });
});
