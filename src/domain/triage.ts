// Failure triage's decisions (issue 16 part 2), pure: when an untriaged signature earns a defect (n of the
// last m runs of its test case), when a launch is a storm (no defects for it), which severity a raised
// defect gets, and its title. The store gathers the counts; these functions only decide.
import type { Severity } from './severity.ts';
import type { RunStatus } from './verification.ts';
import { regexFinds } from './regex.ts';
import { signatureHeadline } from './signature.ts';
import { TITLE_MAX } from './text-rules.ts';

/** One severity rule: every condition given must hold; the first rule that holds wins. */
export type SeverityRule = {
  /** Any of these tags, written in the test case's title the Playwright way (`checkout › pays @smoke`). */
  tags?: readonly string[];
  /** An RE2 regex on the test case. */
  testCase?: string;
  severity: Severity;
};

/** SYNC_CONFIG `triage.projects.<project>`: automatic defects for that project's failures. */
export type ProjectTriage = {
  /** A signature earns a defect once it failed this many of the last `ofRuns` runs of its test case. */
  afterFailures: number;
  ofRuns: number;
  severity: readonly SeverityRule[];
  /** When no rule holds. */
  defaultSeverity: Severity;
  /** More new signatures than this in one launch: a storm. */
  stormThreshold: number;
  /** At least this share of a launch's runs failed: a storm… */
  stormRatio: number;
  /** …once the launch has this many runs (two failures of three runs are no storm). */
  stormMinRuns: number;
  /** A launch is decided once no run of it arrived for this long (runs of one launch come one by one). */
  settleMs: number;
};

export type TriageConfig = { projects: Readonly<Record<string, ProjectTriage>> };

export const NO_TRIAGE: TriageConfig = { projects: {} };

export const TRIAGE_DEFAULTS: Omit<ProjectTriage, 'severity'> = {
  afterFailures: 2,
  ofRuns: 3,
  defaultSeverity: 'medium',
  stormThreshold: 20,
  stormRatio: 0.5,
  stormMinRuns: 20,
  settleMs: 60_000,
};

type RecentRun = { status: RunStatus; signature: string | null };

/**
 * True when the signature failed at least `afterFailures` of the test case's last `ofRuns` runs
 * (`recent`, newest first): 2 of 3 raises a defect for a failure that came back, not for a one-off flake.
 */
export function meetsFailureRule(recent: readonly RecentRun[], signature: string, rule: Pick<ProjectTriage, 'afterFailures' | 'ofRuns'>): boolean {
  const hits = recent.slice(0, rule.ofRuns).filter((r) => r.status === 'failed' && r.signature === signature).length;
  return hits >= rule.afterFailures;
}

export type LaunchCounts = { runs: number; failed: number; newSignatures: number };
export type StormReason = 'signatures' | 'ratio';

/** Why the launch is a storm (no defects for it), or null when it is not. */
export function stormVerdict(launch: LaunchCounts, rule: Pick<ProjectTriage, 'stormThreshold' | 'stormRatio' | 'stormMinRuns'>): StormReason | null {
  if (launch.newSignatures > rule.stormThreshold) return 'signatures';
  if (launch.runs >= rule.stormMinRuns && launch.runs > 0 && launch.failed / launch.runs >= rule.stormRatio) return 'ratio';
  return null;
}

/** The `@tags` in a test case's title, lower case, without the @. */
export function testCaseTags(testCase: string): string[] {
  return [...testCase.matchAll(/(?:^|\s)@([\w-]+)/g)].map((m) => m[1]!.toLowerCase());
}

/** The severity of a defect raised for a failure of `testCase`: the first rule that holds, else the default. */
export function severityFor(testCase: string, rules: readonly SeverityRule[], fallback: Severity): Severity {
  const tags = new Set(testCaseTags(testCase));
  for (const rule of rules) {
    if (rule.tags && !rule.tags.some((t) => tags.has(t.toLowerCase()))) continue;
    if (rule.testCase !== undefined && !regexFinds(rule.testCase, testCase)) continue;
    return rule.severity;
  }
  return fallback;
}

/** A raised defect's title: the signature's first line (what failed, with the volatile parts masked). */
export function titleFromSignature(signatureText: string, testCase: string): string {
  const headline = signatureHeadline(signatureText).trim();
  const title = headline || `${testCase} failed`;
  return title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title;
}
