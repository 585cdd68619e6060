// The GitHub connection's configuration check: the credential (GET /user, or for a GitHub App
// GET /installation/repositories, since an installation token has no user), the repository and what the
// token may do there (GET /repos/{owner}/{repo}: `permissions` where GitHub shows them, `has_issues`,
// `archived`), and the webhook (GET /repos/{owner}/{repo}/hooks, which needs admin or "Webhooks: read":
// a refusal there means "cannot verify", never an error). Reads only.
import type { Octokit } from '@octokit/rest';
import type { CheckContext, CheckFinding } from '../contract.ts';
import { failedCall, hostOf, reachesPath, statusOf } from '../check.ts';
import { classifyGithubError } from './errors.ts';
import { repoName, type Repo } from './refs.ts';

type RepoAnswer = { full_name?: string; has_issues?: boolean; archived?: boolean; permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean } };
type Hook = { active?: boolean; events?: string[]; config?: { url?: string } };

export async function checkGithub(octokit: Octokit, repo: Repo, opts: { apiUrl: string; app: boolean }, ctx: CheckContext): Promise<CheckFinding[]> {
  const host = hostOf(opts.apiUrl);
  const name = repoName(repo);
  const out: CheckFinding[] = [];
  const call = async <T>(what: string, run: () => Promise<{ data: unknown }>): Promise<T | Error> => {
    try {
      return (await run()).data as T;
    } catch (err) {
      return classifyGithubError(err, what);
    }
  };

  const who = opts.app
    ? await call<unknown>('the GitHub App installation', () => octokit.rest.apps.listReposAccessibleToInstallation({ per_page: 1 }))
    : await call<{ login?: string }>('the token', () => octokit.rest.users.getAuthenticated());
  if (who instanceof Error) {
    const refused = statusOf(who) === 401;
    out.push(
      failedCall(host, refused ? 'credentials refused' : 'credentials not verified', who, opts.app ? 'check the app id, private key and installation id of the connection' : `give the connection a valid token (fine-grained: Issues read and write on ${name})`),
    );
    // Every later call would be refused the same way.
    if (refused || statusOf(who) === undefined) return out;
  } else {
    out.push({ level: 'ok', what: opts.app ? 'GitHub App installation token accepted' : `token accepted (user ${(who as { login?: string }).login ?? '?'})` });
  }

  const found = await call<RepoAnswer>(`the repository ${name}`, () => octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo }));
  if (found instanceof Error) {
    out.push(failedCall(host, `repository ${name} not readable`, found, `check the repository name, and that the token (or the app installation) has access to ${name}`));
    return out;
  }
  if (!found.full_name) {
    // A redirect (fetch does not follow them here): the repository was renamed or transferred.
    out.push({ level: 'error', what: `repository ${name} was renamed or moved`, fix: 'set the connection\'s repository to its new owner/name' });
    return out;
  }
  out.push({ level: 'ok', what: `repository ${found.full_name} found` });
  if (found.archived) out.push({ level: 'error', what: `repository ${name} is archived: GitHub refuses every write`, fix: 'unarchive it, or point the connection at another repository' });
  if (found.has_issues === false) out.push({ level: 'error', what: `issues are turned off on ${name}`, fix: 'turn on Issues (repository Settings → General → Features)' });
  const p = found.permissions;
  // GitHub shows `permissions` for a user's token, not for an installation token.
  if (p && !(p.push || p.triage || p.maintain || p.admin)) {
    out.push({
      level: 'warn',
      what: `the token's user has read access only to ${name}: GitHub silently drops the labels (severity) and assignees it sets`,
      fix: `give the user triage or write access to ${name}`,
    });
  } else if (p) out.push({ level: 'ok', what: 'may set labels and assignees (triage or write access)' });

  out.push(await webhookFinding(octokit, repo, host, ctx));
  return out;
}

async function webhookFinding(octokit: Octokit, repo: Repo, host: string, ctx: CheckContext): Promise<CheckFinding> {
  const name = repoName(repo);
  if (!ctx.webhook) {
    return { level: 'warn', what: 'no webhook secret configured: the webhook route is closed and changes made in GitHub arrive by polling only', fix: 'set the connection\'s webhookSecret and add the webhook' };
  }
  const { url, paths } = ctx.webhook;
  const add = `add a webhook on ${name} (Settings → Webhooks): payload URL ${url}, content type application/json, the connection's webhook secret, events: Issues`;
  let hooks: Hook[];
  try {
    hooks = (await octokit.rest.repos.listWebhooks({ owner: repo.owner, repo: repo.repo, per_page: 100 })).data as Hook[];
  } catch (err) {
    const e = classifyGithubError(err, 'the repository webhooks');
    if (e.status === 403 || e.status === 404) return { level: 'warn', what: 'webhook: cannot verify (the credential may not read hooks)', fix: `make sure a webhook on ${name} posts Issues events to ${url}` };
    return { ...failedCall(host, 'webhook: cannot verify', e), level: 'warn' };
  }
  const ours = hooks.filter((h) => reachesPath(h.config?.url, paths));
  const live = ours.find((h) => h.active !== false);
  if (!live) return ours.length ? { level: 'warn', what: `the webhook to ${url} is inactive`, fix: `activate it on ${name} (Settings → Webhooks)` } : { level: 'warn', what: `no webhook on ${name} posts to this service`, fix: add };
  const events = live.events ?? [];
  if (!events.includes('issues') && !events.includes('*')) return { level: 'warn', what: `the webhook to ${url} does not send Issues events`, fix: `select the Issues event on it (${name} Settings → Webhooks)` };
  return { level: 'ok', what: `webhook posts Issues events to ${url}` };
}
