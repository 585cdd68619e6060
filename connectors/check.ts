// What every connector's configuration check shares: a failed call becomes a finding, and a finding
// about the webhook URL matches the paths this service takes deliveries on.
import type { CheckFinding } from './contract.ts';
import { TrackerError } from './errors.ts';

/**
 * A check call that failed, as a finding: no HTTP answer at all is "cannot reach <host>" (the tracker's
 * name alone would not say which address was tried); an answer is `what` with the tracker's own words.
 * Connectors build their messages from the tracker's answer, never from the request, so no credential
 * can be in them.
 */
export function failedCall(host: string, what: string, err: unknown, fix?: string): CheckFinding {
  const e = err instanceof TrackerError ? err : undefined;
  if (!e || (e.status === undefined && e.kind === 'transient')) {
    return { level: 'error', what: `cannot reach ${host}: ${err instanceof Error ? err.message : String(err)}`, fix: 'check the API URL, DNS, proxy and firewall between this service and the tracker' };
  }
  return { level: 'error', what: `${what}: ${e.message}`, ...(fix && { fix }) };
}

/** The host of an API URL, for "cannot reach" (the URL's path and any query are left out). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Whether a webhook URL configured in the tracker reaches one of this service's paths (a proxy may add a prefix). */
export function reachesPath(url: unknown, paths: readonly string[]): boolean {
  if (typeof url !== 'string') return false;
  let path: string;
  try {
    path = new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return false;
  }
  return paths.some((p) => path === p || path.endsWith(p));
}

/** The HTTP status of a failed check call, when there was an answer. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof TrackerError ? err.status : undefined;
}
