// Failure triage's pure decisions (src/domain/triage.ts) and its SYNC_CONFIG block, case by case.
import { describe, expect, it } from 'vitest';
import { meetsFailureRule, severityFor, stormVerdict, testCaseTags, titleFromSignature, TRIAGE_DEFAULTS } from '../../src/domain/triage.ts';
import { parseSyncConfig } from '../../src/sync/sync-config.ts';
import { ConfigError } from '../../src/config.ts';

const F = (signature: string | null = 's') => ({ status: 'failed' as const, signature });
const P = { status: 'passed' as const, signature: null };

describe('meetsFailureRule: n of the last m runs of the test case (newest first)', () => {
  it.each([
    ['one failure, 2 of 3: a one-off flake raises nothing', [F()], 2, 3, false],
    ['two failures in a row, 2 of 3', [F(), F()], 2, 3, true],
    ['failed, passed, failed: 2 of 3', [F(), P, F()], 2, 3, true],
    ['failed, passed, passed, failed: the old failure is outside the 3', [F(), P, P, F()], 2, 3, false],
    ['another signature does not count', [F('s'), F('t')], 2, 3, false],
    ['1 of 1: every failure', [F()], 1, 1, true],
    ['3 of 5 with 3 failures among passes', [F(), P, F(), P, F()], 3, 5, true],
  ] as const)('%s', (_label, runs, afterFailures, ofRuns, expected) => {
    expect(meetsFailureRule(runs, 's', { afterFailures, ofRuns })).toBe(expected);
  });
});

describe('stormVerdict', () => {
  const rule = { stormThreshold: 20, stormRatio: 0.5, stormMinRuns: 20 };
  it.each([
    ['a quiet launch', { runs: 500, failed: 10, newSignatures: 3 }, null],
    ['exactly the threshold of new signatures is no storm', { runs: 500, failed: 30, newSignatures: 20 }, null],
    ['one more new signature than the threshold', { runs: 500, failed: 30, newSignatures: 21 }, 'signatures'],
    ['half the runs failed', { runs: 300, failed: 150, newSignatures: 1 }, 'ratio'],
    ['every run failed, one signature (an outage)', { runs: 300, failed: 300, newSignatures: 1 }, 'ratio'],
    ['a small launch is not judged by its ratio', { runs: 3, failed: 2, newSignatures: 1 }, null],
    ['a small launch under both limits', { runs: 19, failed: 19, newSignatures: 19 }, null],
    ['a small launch with more new signatures than the threshold is one', { runs: 5, failed: 5, newSignatures: 21 }, 'signatures'],
    ['signatures win over ratio as the reason', { runs: 300, failed: 300, newSignatures: 300 }, 'signatures'],
  ] as const)('%s', (_label, counts, expected) => {
    expect(stormVerdict(counts, rule)).toBe(expected);
  });
});

describe('severity rules', () => {
  const rules = [
    { tags: ['smoke'], severity: 'high' as const },
    { testCase: '^checkout', severity: 'critical' as const },
    { tags: ['nightly'], testCase: 'search', severity: 'low' as const },
  ];
  it.each([
    ['a tag in the title', 'login › works @smoke', 'high'],
    ['tags match whatever their case', 'login › works @Smoke @slow', 'high'],
    ['the first rule that holds wins', 'checkout › pays @smoke', 'high'],
    ['a test-case pattern', 'checkout › pays by card', 'critical'],
    ['every condition of a rule must hold', 'search › finds @nightly', 'low'],
    ['a tag alone is not enough when the rule also has a pattern', 'cart › adds @nightly', 'medium'],
    ['an email is not a tag', 'sends to ana@smoke.test', 'medium'],
    ['no rule: the default', 'profile › edits', 'medium'],
  ] as const)('%s', (_label, testCase, expected) => {
    expect(severityFor(testCase, rules, 'medium')).toBe(expected);
  });
  it('reads @tags', () => expect(testCaseTags('a @smoke b @Slow-ish c@no')).toEqual(['smoke', 'slow-ish']));
});

describe('titleFromSignature', () => {
  it.each([
    ['the first line of the signature', 'TimeoutError: Timeout <dur> exceeded\nat pay (a.ts:<n>)', 'tc', 'TimeoutError: Timeout <dur> exceeded'],
    ['the test case when the signature is frames only', '\nat pay (a.ts:<n>)', 'checkout › pays', 'checkout › pays failed'],
    ['cut to 255 characters', 'x'.repeat(300), 'tc', `${'x'.repeat(254)}…`],
  ])('%s', (_label, text, testCase, expected) => {
    expect(titleFromSignature(text, testCase)).toBe(expected);
  });
});

describe('SYNC_CONFIG triage', () => {
  it('is off by default, and takes each setting with its default', () => {
    expect(parseSyncConfig('{}').triage).toEqual({ projects: {} });
    const t = parseSyncConfig('triage: { projects: { shop: { afterFailures: 1, severity: [{ testCase: "^checkout", severity: critical }] } } }').triage;
    expect(t.projects.shop).toEqual({ ...TRIAGE_DEFAULTS, afterFailures: 1, severity: [{ testCase: '^checkout', severity: 'critical' }] });
  });
  it.each([
    ['triage: { projects: { shop: { afterFailures: 4, ofRuns: 3 } } }', 'triage.projects.shop.afterFailures: must not be more than ofRuns'],
    ['triage: { projects: { shop: { severity: [{ testCase: "(?=x)", severity: high }] } } }', 'triage.projects.shop.severity.0.testCase: is not a valid RE2 regular expression'],
    ['triage: { projects: { shop: { stormRatio: 1.5 } } }', 'triage.projects.shop.stormRatio: must be at most 1'],
    ['triage: { projects: { "has space": {} } }', 'triage.projects.has space: a project name must be'],
    ['triage: { projects: { shop: { severity: [{ severity: urgent }] } } }', 'triage.projects.shop.severity.0.severity: must be one of'],
    ['triage: { projects: { shop: { stormTreshold: 3 } } }', 'triage.projects.shop.stormTreshold: is not a known setting'],
  ])('%s is refused naming the path', (text, problem) => {
    try {
      parseSyncConfig(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain(problem);
    }
  });
});
