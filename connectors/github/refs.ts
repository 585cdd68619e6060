// Where an issue lives: the configured repository, issue numbers, and what a person may paste
// (12, #12, owner/repo#12, the issue's web or API URL). Pure.
import { TrackerError } from '../errors.ts';

export type Repo = { owner: string; repo: string };

const NAME = /^[A-Za-z0-9_.-]+$/;

export function parseRepository(value: string): Repo {
  const [owner, repo, ...rest] = value.trim().split('/');
  if (!owner || !repo || rest.length || !NAME.test(owner) || !NAME.test(repo)) {
    throw new TrackerError('github', 'rejected', `github repository must be "owner/name", got "${value}"`);
  }
  return { owner, repo };
}

export function repoName(r: Repo): string {
  return `${r.owner}/${r.repo}`;
}

/** GitHub compares owner and repository names case-insensitively. */
export function sameRepo(a: Repo, b: Repo): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

/** The repository an issue belongs to, from its `repository_url` (…/repos/{owner}/{repo}). */
export function repoOfRepositoryUrl(url: string): Repo | null {
  const m = /\/repos\/([^/]+)\/([^/]+)\/?$/.exec(url);
  return m ? { owner: decodeURIComponent(m[1]!), repo: decodeURIComponent(m[2]!) } : null;
}

/** The host people see issues on: github.com for api.github.com; GitHub Enterprise serves both on one host. */
export function webOrigin(apiUrl: string): string {
  const url = new URL(apiUrl);
  return url.hostname === 'api.github.com' ? `${url.protocol}//github.com` : url.origin;
}

export function issueNumber(remoteId: string): number {
  if (!/^[1-9]\d{0,9}$/.test(remoteId)) {
    throw new TrackerError('github', 'rejected', `"${remoteId}" is not a GitHub issue number`);
  }
  return Number(remoteId);
}

/**
 * The issue number in what a person typed, checked against the configured repository. Anything
 * unparseable, another repository, another host or a pull request link is refused with the reason.
 */
export function parseIssueInput(input: string, configured: Repo, apiUrl: string): number {
  const text = input.trim();
  const expected = repoName(configured);
  const refuse = (why: string) =>
    new TrackerError('github', 'rejected', `"${text}" ${why}; expected 12, #12, ${expected}#12 or ${webOrigin(apiUrl)}/${expected}/issues/12`);
  const inRepo = (owner: string, repo: string, n: string) => {
    if (!sameRepo({ owner, repo }, configured)) throw refuse(`is in ${owner}/${repo}, not in the configured repository ${expected}`);
    return issueNumber(n);
  };

  let m = /^#?(\d+)$/.exec(text);
  if (m) return issueNumber(m[1]!);
  m = /^([^/\s#]+)\/([^/\s#]+)#(\d+)$/.exec(text);
  if (m) return inRepo(m[1]!, m[2]!, m[3]!);

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('is not an issue number, key or URL');
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (url.origin === webOrigin(apiUrl)) {
    m = /^\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (m) return inRepo(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), m[3]!);
    if (/^\/[^/]+\/[^/]+\/pull\/\d+$/.test(path)) throw refuse('is a pull request, not an issue');
  }
  const api = new URL(apiUrl);
  const apiBase = api.pathname.replace(/\/+$/, '');
  if (url.origin === api.origin && path.startsWith(`${apiBase}/repos/`)) {
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path.slice(apiBase.length));
    if (m) return inRepo(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), m[3]!);
  }
  if (url.origin !== webOrigin(apiUrl) && url.origin !== api.origin) throw refuse(`is not on ${webOrigin(apiUrl)}`);
  throw refuse('is not a link to an issue');
}
