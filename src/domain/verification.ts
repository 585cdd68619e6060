// The verification loop: test results move defects. Pure decisions; the store applies them.
import { isFixed, type DefectStatus } from './lifecycle.ts';
import { TITLE_MAX } from './text-rules.ts';

export type RunStatus = 'passed' | 'failed' | 'skipped' | 'blocked';

/**
 * A failed run reopens a fixed (resolved or closed) defect linked to its test case, but only when
 * it is the newest run of that test case: a late-arriving report of an old failure must not undo a
 * fix that newer runs have confirmed.
 */
export function shouldReopen(defectStatus: DefectStatus, run: { status: RunStatus; isLatestOfTestCase: boolean }): boolean {
  return run.status === 'failed' && run.isLatestOfTestCase && isFixed(defectStatus);
}

/**
 * A resolved defect is verified, and closed, once the latest run of every test case linked to it
 * passed. Skipped or blocked runs prove nothing, so they keep it resolved.
 */
export function shouldClose(defectStatus: DefectStatus, latestRunByTestCase: ReadonlyMap<string, RunStatus>): boolean {
  if (defectStatus !== 'resolved' || latestRunByTestCase.size === 0) return false;
  for (const status of latestRunByTestCase.values()) if (status !== 'passed') return false;
  return true;
}

/** Title for a defect raised from a failed run: "<test case>: <first line of the failure message>". */
export function titleFromFailedRun(testCase: string, message: string | null | undefined): string {
  const firstLine = (message ?? '').split(/\r?\n/, 1)[0]!.trim();
  const title = firstLine ? `${testCase}: ${firstLine}` : `${testCase} failed`;
  return title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title;
}
