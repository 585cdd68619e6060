// A local stand-in for the slice of GitHub's REST API the connector uses: create, get, update and
// list issues, add and remove an issue's labels and assignees, with GitHub's status codes, error
// bodies, rate-limit headers, Link pagination, 410 for deleted issues and 301 for transferred ones.
// Route names follow the cross-tracker convention (ticket.create, ticket.get, ticket.update,
// ticket.find), plus labels.add/remove and assignees.add/remove. A GitHub App (app.ts) mints
// installation tokens at app.token; those work as well as the static token, until they expire and
// only on their installation's repositories.
import { createHash } from 'node:crypto';
import { FakeTracker, type FakeRequest, type FakeResponse, type Route } from '../kit.ts';
import { FakeWebhookSender, githubDelivery, type Delivery } from '../webhooks.ts';
import { FakeGithubApp, type FakeInstallation, type FakeInstallationToken } from './app.ts';
import { githubComments } from './comments.ts';
import { GithubFakeState, type FakeHook, type FakeIssue, type FakeLabel, type FakeMilestone, type FakeRepo, type IssueWrite } from './state.ts';

export type GithubFakeOptions = {
  /** The token the fake accepts (default 'fake-github-token'). */
  token?: string;
  /** The repository that exists from the start (default 'acme/app'); others appear through transfers. */
  repository?: string;
  /** The authenticated user's login (default 'defect-sync-bot'); always assignable. */
  login?: string;
  /** Other logins that may be assigned; anyone else is refused with 422, as GitHub does. */
  collaborators?: readonly string[];
  /** Clock for timestamps (ms), so tests can step time. */
  now?: () => number;
  /** The GitHub App (default ID 1234, installation 678 on the configured repository). */
  app?: { id?: number; installations?: readonly FakeInstallation[] };
  /** How long a minted installation token lasts (default one hour, as on GitHub); also `fake.app.tokenTtlMs`. */
  installationTokenTtlMs?: number;
};

const DOCS = 'https://docs.github.com/rest';
const DOCS_ISSUES = 'https://docs.github.com/rest/issues/issues';
const DOCS_LABELS = 'https://docs.github.com/rest/issues/labels';
const DOCS_MILESTONES = 'https://docs.github.com/rest/issues/milestones';
const DOCS_ASSIGNEES = 'https://docs.github.com/rest/issues/assignees';
const DOCS_EVENTS = 'https://docs.github.com/rest/issues/events';
const DOCS_APPS = 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app';

export function createGithubFake(options: GithubFakeOptions = {}) {
  const token = options.token ?? 'fake-github-token';
  const login = options.login ?? 'defect-sync-bot';
  // Read on each call (not captured), so a test that fakes Date moves this clock too.
  const now = options.now ?? (() => Date.now());
  const state = new GithubFakeState({ login, collaborators: options.collaborators ?? [], now });
  const home = state.repo(options.repository ?? 'acme/app', true)!;
  const app = new FakeGithubApp({
    id: options.app?.id ?? 1234,
    installations: options.app?.installations ?? [{ id: 678, repositories: [`${home.owner}/${home.name}`] }],
    tokenTtlMs: options.installationTokenTtlMs ?? 60 * 60_000,
    now,
  });
  /** The installation token a request came with (none: the static token). */
  const tokenOfRequest = new WeakMap<FakeRequest, FakeInstallationToken>();
  let remaining = 5000;

  const base = () => tracker.baseUrl;

  function issueJson(issue: FakeIssue): Record<string, unknown> {
    const repo = state.repoById(issue.repoId)!;
    const api = `${base()}/repos/${repo.owner}/${repo.name}`;
    const user = (name: string) => ({ login: name, id: loginId(name), type: 'User', url: `${base()}/users/${name}` });
    return {
      url: `${api}/issues/${issue.number}`,
      repository_url: api,
      labels_url: `${api}/issues/${issue.number}/labels{/name}`,
      html_url: `${base()}/${repo.owner}/${repo.name}/${issue.isPullRequest ? 'pull' : 'issues'}/${issue.number}`,
      id: issue.id,
      node_id: `I_fake${issue.id}`,
      number: issue.number,
      title: issue.title,
      user: user(issue.user),
      labels: issue.labels.map((l) => labelJson(repo, l)),
      state: issue.state,
      locked: false,
      assignee: issue.assignees[0] ? user(issue.assignees[0]) : null,
      assignees: issue.assignees.map(user),
      milestone: issue.milestone === null ? null : milestoneJson(repo, repo.milestones.find((m) => m.number === issue.milestone)!),
      comments: 0,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      author_association: 'OWNER',
      body: issue.body,
      state_reason: issue.state_reason,
      ...(issue.isPullRequest && { pull_request: { url: `${api}/pulls/${issue.number}`, html_url: `${base()}/${repo.owner}/${repo.name}/pull/${issue.number}` } }),
    };
  }

  function milestoneJson(repo: FakeRepo, m: FakeMilestone): Record<string, unknown> {
    const url = `${base()}/repos/${repo.owner}/${repo.name}/milestones/${m.number}`;
    const issues = state.issues.filter((i) => i.repoId === repo.id && !i.deleted && i.milestone === m.number);
    return {
      url, html_url: `${base()}/${repo.owner}/${repo.name}/milestone/${m.number}`, labels_url: `${url}/labels`,
      id: m.id, node_id: `MI_fake${m.id}`, number: m.number, title: m.title, description: null, state: m.state,
      open_issues: issues.filter((i) => i.state === 'open').length, closed_issues: issues.filter((i) => i.state === 'closed').length,
      created_at: m.created_at, updated_at: m.updated_at, closed_at: null, due_on: null,
    };
  }

  function labelJson(repo: FakeRepo, l: FakeLabel): Record<string, unknown> {
    const url = `${base()}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(l.name)}`;
    return { id: l.id, node_id: `LA_fake${l.id}`, url, name: l.name, color: l.color, default: false, description: null };
  }

  /** A 304 answer to a conditional request does not count against the rate limit. */
  function rateHeaders(spend = true): Record<string, string> {
    if (spend) remaining = Math.max(0, remaining - 1);
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.floor(now() / 1000) + 3600),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    };
  }

  /** Runs a handler; GitHub-shaped errors thrown by the state become GitHub's error bodies. */
  function guarded(handle: (req: FakeRequest) => FakeResponse, docs: string): (req: FakeRequest) => FakeResponse {
    return (req) => {
      try {
        const res = handle(req);
        return { ...res, headers: { ...rateHeaders(res.status !== 304), ...res.headers } };
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (!status) throw err;
        const errors = (err as { errors?: unknown[] }).errors;
        return {
          status,
          headers: rateHeaders(),
          body: { message: (err as Error).message, ...(errors && { errors }), documentation_url: docs, status: String(status) },
        };
      }
    };
  }

  function notFound(docs = DOCS): FakeResponse {
    return { status: 404, body: { message: 'Not Found', documentation_url: docs, status: '404' } };
  }

  function repoOf(req: FakeRequest): FakeRepo | undefined {
    return req.params['id'] ? state.repoById(Number(req.params['id'])) : state.repo(`${req.params['owner']}/${req.params['repo']}`);
  }

  /** The issue a path names, or GitHub's answer for one that is missing, deleted or transferred. */
  function located(req: FakeRequest, docs: string): { repo: FakeRepo; issue: FakeIssue } | FakeResponse {
    const repo = repoOf(req);
    const number = /^\d+$/.test(req.params['number'] ?? '') ? Number(req.params['number']) : NaN;
    const issue = repo && state.issue(repo, number);
    if (!repo || !issue) return notFound(docs);
    if (issue.deleted) return { status: 410, body: { message: 'This issue was deleted', documentation_url: docs, status: '410' } };
    if (issue.movedTo) {
      const url = `${base()}/repositories/${issue.movedTo.repoId}/issues/${issue.movedTo.number}`;
      return {
        status: 301,
        headers: { location: url },
        body: { message: 'Moved Permanently', url, documentation_url: 'https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects' },
      };
    }
    return { repo, issue };
  }

  function list(req: FakeRequest): FakeResponse {
    const repo = repoOf(req);
    if (!repo) return notFound(`${DOCS_ISSUES}#list-repository-issues`);
    const q = req.query;
    const wanted = q.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(wanted)) {
      throw Object.assign(new Error(`Invalid request.\n\nFor 'state', ${JSON.stringify(wanted)} is not one of "open", "closed", "all".`), { status: 422 });
    }
    const sinceText = q.get('since');
    const since = sinceText ? Date.parse(sinceText) : undefined;
    if (since !== undefined && Number.isNaN(since)) {
      throw Object.assign(new Error(`Invalid request.\n\nFor 'since', ${JSON.stringify(sinceText)} is not a timestamp.`), { status: 422 });
    }
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const sort = q.get('sort') ?? 'created';
    const asc = q.get('direction') === 'asc';
    const matching = state.issues
      .filter((i) => i.repoId === repo.id && !i.deleted && !i.movedTo)
      .filter((i) => wanted === 'all' || i.state === wanted)
      .filter((i) => since === undefined || Date.parse(i.updated_at) >= since)
      .sort((a, b) => {
        const key = (i: FakeIssue) => (sort === 'updated' ? Date.parse(i.updated_at) : i.id);
        return (key(a) - key(b) || a.id - b.id) * (asc ? 1 : -1);
      });
    const last = Math.max(1, Math.ceil(matching.length / perPage));
    const link = linkHeader(repo, q, page, last);
    return {
      status: 200,
      body: matching.slice((page - 1) * perPage, page * perPage).map(issueJson),
      ...(link && { headers: { link } }),
    };
  }

  /**
   * One page of `all` as GitHub pages a list (per_page, default 30, at most 100; page from 1), with the
   * Link header's next and last relations on the request's own path, other query params kept.
   */
  function paged<T>(req: FakeRequest, all: readonly T[]): { items: T[]; headers?: { link: string } } {
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const url = (p: number) => {
      const q = new URLSearchParams(req.query);
      q.set('page', String(p));
      return `${base()}${req.path}?${q.toString()}`;
    };
    const items = all.slice((page - 1) * perPage, page * perPage);
    return page < last ? { items, headers: { link: `<${url(page + 1)}>; rel="next", <${url(last)}>; rel="last"` } } : { items };
  }

  /** GitHub's Link header: absolute URLs on /repositories/{id}/issues, other query params kept. */
  function linkHeader(repo: FakeRepo, query: URLSearchParams, page: number, last: number): string | undefined {
    if (last <= 1) return undefined;
    const at = (p: number) => {
      const q = new URLSearchParams(query);
      q.set('page', String(p));
      return `${base()}/repositories/${repo.id}/issues?${q.toString()}`;
    };
    const rels: string[] = [];
    if (page > 1) rels.push(`<${at(page - 1)}>; rel="prev"`);
    if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (page > 1) rels.push(`<${at(1)}>; rel="first"`);
    return rels.join(', ');
  }

  /**
   * GET /search/issues: the qualifiers the connector sends (repo:, is:issue / is:pr, in:body, created:>=)
   * and quoted or bare words, all ANDed (advanced search). The index is eventually consistent: an issue
   * created less than `search.lagMs` ago is not found yet.
   */
  const search = { lagMs: 0 };
  function searchIssues(req: FakeRequest): FakeResponse {
    const q = req.query.get('q');
    if (!q) throw Object.assign(new Error('Validation Failed'), { status: 422, errors: [{ resource: 'Search', field: 'q', code: 'missing' }] });
    const terms = [...q.matchAll(/(\w+):(?:"([^"]*)"|(\S+))|"([^"]*)"|(\S+)/g)].map((m) => ({ key: m[1]?.toLowerCase(), value: m[2] ?? m[3] ?? m[4] ?? m[5] ?? '' }));
    const where = terms.filter((t) => t.key === 'in').map((t) => t.value.toLowerCase());
    const reach = tokenOfRequest.get(req);
    let found = state.issues.filter((i) => !i.deleted && !i.movedTo && Date.parse(i.created_at) <= now() - search.lagMs);
    if (reach) found = found.filter((i) => app.reaches(reach, fullName(state.repoById(i.repoId)!)));
    for (const { key, value } of terms) {
      if (key === 'repo') {
        const repo = state.repo(value);
        found = found.filter((i) => i.repoId === repo?.id);
      } else if (key === 'is') {
        if (value === 'issue') found = found.filter((i) => !i.isPullRequest);
        else if (value === 'pr' || value === 'pull-request') found = found.filter((i) => i.isPullRequest);
      } else if (key === 'created') {
        const m = /^(>=|>|<=|<)?(.+)$/.exec(value)!;
        const at = Date.parse(m[2]!);
        if (Number.isNaN(at)) throw Object.assign(new Error('Validation Failed'), { status: 422, errors: [{ message: `The created qualifier is invalid: ${value}`, resource: 'Search', field: 'q', code: 'invalid' }] });
        const op = m[1] ?? '>=';
        found = found.filter((i) => {
          const c = Date.parse(i.created_at);
          return op === '>=' ? c >= at : op === '>' ? c > at : op === '<=' ? c <= at : c < at;
        });
      } else if (key === 'in') {
        continue;
      } else if (key === undefined) {
        const words = value.toLowerCase();
        const text = (i: FakeIssue) => [...(where.length === 0 || where.includes('title') ? [i.title] : []), ...(where.length === 0 || where.includes('body') ? [i.body ?? ''] : [])].join('\n').toLowerCase();
        found = found.filter((i) => text(i).includes(words));
      }
    }
    const desc = req.query.get('order') !== 'asc';
    if (req.query.get('sort') === 'created') found = found.toSorted((a, b) => (Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id) * (desc ? -1 : 1));
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
    const items = found.slice((page - 1) * perPage, page * perPage).map((i) => ({ ...issueJson(i), score: 1 }));
    return { status: 200, body: { total_count: found.length, incomplete_results: false, items } };
  }

  /** GitHub's conditional GET: an ETag on every answer, 304 with no body when If-None-Match still matches. */
  const get = (req: FakeRequest): FakeResponse => {
    const found = located(req, `${DOCS_ISSUES}#get-an-issue`);
    if ('status' in found) return found;
    const body = issueJson(found.issue);
    const etag = `W/"${createHash('sha1').update(JSON.stringify(body)).digest('hex')}"`;
    const asked = String(req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (asked.includes(etag.replace(/^W\//, ''))) return { status: 304, headers: { etag } };
    return { status: 200, body, headers: { etag } };
  };

  /** GET /repos/{owner}/{repo}: the fields a client reads (permissions as the token's user has them). */
  function repoJson(repo: FakeRepo): Record<string, unknown> {
    const push = state.pushAccess;
    return {
      id: repo.id,
      node_id: `R_fake${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner, id: loginId(repo.owner), type: 'Organization' },
      private: true,
      html_url: `${base()}/${repo.owner}/${repo.name}`,
      url: `${base()}/repos/${repo.owner}/${repo.name}`,
      has_issues: repo.hasIssues ?? true,
      archived: repo.archived ?? false,
      disabled: false,
      visibility: 'private',
      default_branch: 'main',
      permissions: { admin: push && state.hookAccess, maintain: push, push, triage: push, pull: true },
    };
  }

  /** The repository's webhooks: the one this fake delivers to (webhooks.target) plus any a test added. */
  function hooksJson(repo: FakeRepo): Record<string, unknown>[] {
    const api = `${base()}/repos/${repo.owner}/${repo.name}/hooks`;
    const delivering = repo === home && webhooks.target ? [{ id: 1, url: webhooks.target, active: true, events: ['issues'] }] : [];
    return [...delivering, ...(repo.hooks ?? [])].map((h) => ({
      type: 'Repository',
      id: h.id,
      name: 'web',
      active: h.active,
      events: h.events,
      // GitHub never shows a hook's secret, only that there is one.
      config: { content_type: 'json', insecure_ssl: '0', url: h.url, secret: '********' },
      updated_at: '2026-11-01T00:00:00Z',
      created_at: '2026-11-01T00:00:00Z',
      url: `${api}/${h.id}`,
      test_url: `${api}/${h.id}/test`,
      ping_url: `${api}/${h.id}/pings`,
      deliveries_url: `${api}/${h.id}/deliveries`,
      last_response: { code: null, status: 'unused', message: null },
    }));
  }

  // Issue comments (issue 15): fakes/github/comments.ts.
  const comments = githubComments({
    base,
    repository: `${home.owner}/${home.name}`,
    login,
    now,
    issueJson: (n) => {
      const issue = state.issue(home, n);
      if (!issue || issue.isPullRequest) throw Object.assign(new Error('Not Found'), { status: 404 });
      if (issue.deleted) throw Object.assign(new Error('This issue was deleted'), { status: 410 });
      return issueJson(issue);
    },
    webhooks: () => webhooks,
    guarded,
  });
  const routes: Route[] = [
    ...comments.routes,
    {
      // The JWT was checked by authenticate; GitHub answers 201 with the token and when it expires.
      name: 'app.token',
      method: 'POST',
      path: '/app/installations/:installation_id/access_tokens',
      handle: guarded((req) => {
        const id = /^\d+$/.test(req.params['installation_id'] ?? '') ? Number(req.params['installation_id']) : NaN;
        const body = (req.body ?? {}) as { repositories?: unknown };
        const minted = app.mint(id, body.repositories);
        const repositories = minted.repositories === 'all' ? [] : minted.repositories.map((n) => state.repo(n)).filter((r) => r !== undefined);
        return {
          status: 201,
          body: {
            token: minted.token,
            expires_at: new Date(minted.expiresAt).toISOString().replace('.000Z', 'Z'),
            permissions: { issues: 'write', metadata: 'read' },
            repository_selection: minted.repositories === 'all' ? 'all' : 'selected',
            ...(minted.repositories !== 'all' && {
              repositories: repositories.map((r) => ({ id: r.id, name: r.name, full_name: fullName(r), private: true })),
            }),
          },
        };
      }, DOCS_APPS),
    },
    {
      // An installation token's own repositories; a user's token is refused, as GitHub does.
      name: 'installation.repos',
      method: 'GET',
      path: '/installation/repositories',
      handle: guarded((req) => {
        const docs = 'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation';
        const reach = tokenOfRequest.get(req);
        if (!reach) return { status: 403, body: { message: 'You must authenticate with an installation access token in order to list repositories for an installation.', documentation_url: docs, status: '403' } };
        const repos = state.repos.filter((r) => app.reaches(reach, fullName(r)));
        return { status: 200, body: { total_count: repos.length, repository_selection: reach.repositories === 'all' ? 'all' : 'selected', repositories: repos.map(repoJson) } };
      }, 'https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation'),
    },
    {
      name: 'user.get',
      method: 'GET',
      path: '/user',
      handle: guarded(() => ({ status: 200, body: { login, id: loginId(login), node_id: `U_fake${loginId(login)}`, type: 'User', site_admin: false, url: `${base()}/users/${login}` } }), 'https://docs.github.com/rest/users/users#get-the-authenticated-user'),
    },
    {
      name: 'repo.get',
      method: 'GET',
      path: '/repos/:owner/:repo',
      handle: guarded((req) => {
        const repo = repoOf(req);
        return repo ? { status: 200, body: repoJson(repo) } : notFound('https://docs.github.com/rest/repos/repos#get-a-repository');
      }, 'https://docs.github.com/rest/repos/repos#get-a-repository'),
    },
    {
      name: 'hooks.list',
      method: 'GET',
      path: '/repos/:owner/:repo/hooks',
      handle: guarded((req) => {
        const repo = repoOf(req);
        const docs = 'https://docs.github.com/rest/repos/webhooks#list-repository-webhooks';
        // Without admin access GitHub hides the hooks behind a 404, as it does for a repository you cannot see.
        return repo && state.hookAccess ? { status: 200, body: hooksJson(repo) } : notFound(docs);
      }, 'https://docs.github.com/rest/repos/webhooks#list-repository-webhooks'),
    },
    {
      name: 'ticket.create',
      method: 'POST',
      path: '/repos/:owner/:repo/issues',
      handle: guarded((req) => {
        const repo = repoOf(req);
        if (!repo) return notFound(`${DOCS_ISSUES}#create-an-issue`);
        const issue = state.create(repo, bodyOf(req));
        const json = issueJson(issue);
        return { status: 201, body: json, headers: { location: String(json['url']) } };
      }, `${DOCS_ISSUES}#create-an-issue`),
    },
    { name: 'ticket.find', method: 'GET', path: '/repos/:owner/:repo/issues', handle: guarded(list, `${DOCS_ISSUES}#list-repository-issues`) },
    { name: 'ticket.find', method: 'GET', path: '/repositories/:id/issues', handle: guarded(list, `${DOCS_ISSUES}#list-repository-issues`) },
    { name: 'ticket.get', method: 'GET', path: '/repos/:owner/:repo/issues/:number', handle: guarded(get, `${DOCS_ISSUES}#get-an-issue`) },
    { name: 'ticket.search', method: 'GET', path: '/search/issues', handle: guarded(searchIssues, 'https://docs.github.com/rest/search/search#search-issues-and-pull-requests') },
    {
      name: 'ticket.events',
      method: 'GET',
      path: '/repos/:owner/:repo/issues/:number/events',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_EVENTS}#list-issue-events`);
        if ('status' in found) return found;
        const { items, headers } = paged(req, found.issue.events);
        const actor = { login: 'someone', type: 'User' };
        const body = items.map((e) => ({
          id: e.id,
          node_id: `IE_fake${e.id}`,
          url: `${base()}${req.path.replace(/\/\d+\/events$/, '')}/events/${e.id}`,
          actor,
          event: e.event,
          commit_id: null,
          commit_url: null,
          created_at: e.created_at,
          ...(e.label && { label: e.label }),
          ...(e.assignee && { assignee: { login: e.assignee, type: 'User' } }),
          ...(e.rename && { rename: e.rename }),
          ...(e.milestone && { milestone: e.milestone }),
        }));
        return { status: 200, body, ...(headers && { headers }) };
      }, `${DOCS_EVENTS}#list-issue-events`),
    },
    // Where a 301 for a transferred issue points.
    { name: 'ticket.get', method: 'GET', path: '/repositories/:id/issues/:number', handle: guarded(get, `${DOCS_ISSUES}#get-an-issue`) },
    {
      name: 'ticket.update',
      method: 'PATCH',
      path: '/repos/:owner/:repo/issues/:number',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_ISSUES}#update-an-issue`);
        if ('status' in found) return found;
        return { status: 200, body: issueJson(state.update(found.repo, found.issue, bodyOf(req))) };
      }, `${DOCS_ISSUES}#update-an-issue`),
    },
    {
      name: 'milestones.list',
      method: 'GET',
      path: '/repos/:owner/:repo/milestones',
      handle: guarded((req) => {
        const repo = repoOf(req);
        if (!repo) return notFound(`${DOCS_MILESTONES}#list-milestones`);
        const wanted = req.query.get('state') ?? 'open';
        if (!['open', 'closed', 'all'].includes(wanted)) return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Milestone', field: 'state', code: 'invalid' }] } };
        const { items, headers } = paged(req, repo.milestones.filter((m) => wanted === 'all' || m.state === wanted));
        return { status: 200, body: items.map((m) => milestoneJson(repo, m)), ...(headers && { headers }) };
      }, `${DOCS_MILESTONES}#list-milestones`),
    },
    {
      name: 'milestones.create',
      method: 'POST',
      path: '/repos/:owner/:repo/milestones',
      handle: guarded((req) => {
        const repo = repoOf(req);
        if (!repo) return notFound(`${DOCS_MILESTONES}#create-a-milestone`);
        return { status: 201, body: milestoneJson(repo, state.createMilestone(repo, req.body)) };
      }, `${DOCS_MILESTONES}#create-a-milestone`),
    },
    {
      name: 'labels.add',
      method: 'POST',
      path: '/repos/:owner/:repo/issues/:number/labels',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_LABELS}#add-labels-to-an-issue`);
        if ('status' in found) return found;
        return { status: 200, body: state.addLabels(found.repo, found.issue, req.body).map((l) => labelJson(found.repo, l)) };
      }, `${DOCS_LABELS}#add-labels-to-an-issue`),
    },
    {
      name: 'labels.remove',
      method: 'DELETE',
      path: '/repos/:owner/:repo/issues/:number/labels/:name',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_LABELS}#remove-a-label-from-an-issue`);
        if ('status' in found) return found;
        return { status: 200, body: state.removeLabel(found.issue, req.params['name']!).map((l) => labelJson(found.repo, l)) };
      }, `${DOCS_LABELS}#remove-a-label-from-an-issue`),
    },
    {
      name: 'assignees.add',
      method: 'POST',
      path: '/repos/:owner/:repo/issues/:number/assignees',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_ASSIGNEES}#add-assignees-to-an-issue`);
        if ('status' in found) return found;
        return { status: 201, body: issueJson(state.addAssignees(found.issue, req.body)) };
      }, `${DOCS_ASSIGNEES}#add-assignees-to-an-issue`),
    },
    {
      name: 'assignees.remove',
      method: 'DELETE',
      path: '/repos/:owner/:repo/issues/:number/assignees',
      handle: guarded((req) => {
        const found = located(req, `${DOCS_ASSIGNEES}#remove-assignees-from-an-issue`);
        if ('status' in found) return found;
        return { status: 200, body: issueJson(state.removeAssignees(found.issue, req.body)) };
      }, `${DOCS_ASSIGNEES}#remove-assignees-from-an-issue`),
    },
  ];

  const tracker = new FakeTracker({
    name: 'github',
    routes,
    authenticate: (req) => {
      const header = String(req.headers['authorization'] ?? '');
      if (!header) {
        return { status: 401, body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' } };
      }
      const credential = /^(?:token|bearer)\s+(\S+)$/i.exec(header)?.[1];
      // The app's own routes take only its JWT; every other route refuses a JWT as bad credentials.
      if (req.path.startsWith('/app/')) {
        try {
          app.verifyJwt(credential);
          return null;
        } catch (err) {
          return { status: 401, body: { message: (err as Error).message, documentation_url: DOCS, status: '401' } };
        }
      }
      if (credential === token) return null;
      const installationToken = app.tokenOf(credential);
      if (!installationToken) return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
      // A repository the installation cannot see does not exist, as far as its token can tell.
      const repo = req.params['owner'] || req.params['id'] ? repoOf(req) : undefined;
      if (repo && !app.reaches(installationToken, fullName(repo))) return notFound();
      tokenOfRequest.set(req, installationToken);
      return null;
    },
    errorBody: (status, message) => ({ message, documentation_url: DOCS, status: String(status) }),
  });

  // Webhooks: every successful write through the API, and every edit "in the web UI" below, is announced.
  const ACTIONS: Record<string, string> = {
    'ticket.create': 'opened',
    'ticket.update': 'edited',
    'labels.add': 'labeled',
    'labels.remove': 'unlabeled',
    'assignees.add': 'assigned',
    'assignees.remove': 'unassigned',
  };
  const deliveryOf = (action: string, number: number, secret: string): Delivery | null => {
    const issue = state.issue(home, number);
    return issue ? githubDelivery(action, issueJson(issue), { full_name: `${home.owner}/${home.name}` }, secret) : null;
  };
  const webhooks = new FakeWebhookSender(tracker, (route, body, req, secret) => {
    const number = Number((body as { number?: unknown } | undefined)?.number ?? req.params['number']);
    const action = ACTIONS[route];
    return action && Number.isInteger(number) ? deliveryOf(action, number, secret) : null;
  });

  function find(number: number, repository?: string): FakeIssue {
    const repo = repository ? state.repo(repository) : home;
    const issue = repo && state.issue(repo, number);
    if (!issue) throw new Error(`fake github: no issue #${number} in ${repository ?? `${home.owner}/${home.name}`}`);
    return issue;
  }

  return {
    tracker,
    state,
    token,
    /** Issue comments: `of(n)`, `byHand(n, body, user?)`, `editByHand(id, body)`, `deleteByHand(id)`. */
    comments,
    /** The GitHub App: `id`, `privateKey` (PEM), `installations`, `mints` (successful, oldest first), `tokenTtlMs`. */
    app,
    login,
    /** The configured repository's full name. */
    repository: `${home.owner}/${home.name}`,
    /** Issues (not pull requests) of a repository as GitHub would return them; default the configured one. */
    issues(repository?: string): Record<string, unknown>[] {
      const repo = repository ? state.repo(repository) : home;
      return state.issues.filter((i) => i.repoId === repo?.id && !i.isPullRequest && !i.deleted && !i.movedTo).map(issueJson);
    },
    /** One issue in GitHub's JSON form. */
    issue(number: number, repository?: string): Record<string, unknown> {
      return issueJson(find(number, repository));
    },
    /** A person's edit in the web UI: same rules as the API, bumps updated_at. */
    editByHand(number: number, edit: IssueWrite): Record<string, unknown> {
      const issue = find(number);
      const json = issueJson(state.update(state.repoById(issue.repoId)!, issue, edit));
      webhooks.announce((secret) => deliveryOf(edit.state === 'closed' ? 'closed' : edit.state === 'open' ? 'reopened' : 'edited', number, secret));
      return json;
    },
    /** Signed `issues` deliveries to a target (set `webhooks.target` and `webhooks.secret`), with faults. */
    webhooks,
    /** The search index: `lagMs` is how long a new issue stays unfound. */
    search,
    /** A person's milestone (created in the web UI), open unless `closed`. */
    milestoneByHand(title: string, closed = false): number {
      return state.createMilestone(home, { title, state: closed ? 'closed' : 'open' }).number;
    },
    milestones: () => home.milestones.map((m) => ({ ...m })),
    /** A person's new issue (for listing tests). */
    createByHand(edit: IssueWrite): Record<string, unknown> {
      return issueJson(state.create(home, edit));
    },
    /** Pull requests share the issue numbering and show up in issue listings. */
    addPullRequest(title: string, body: string | null = null): Record<string, unknown> {
      return issueJson(state.create(home, { title, body }, { pullRequest: true }));
    },
    /** false: the token lacks push (triage) access, so GitHub silently drops its labels and assignees. */
    setPushAccess(allowed: boolean): void {
      state.pushAccess = allowed;
    },
    /** false: the token may not read the repository's webhooks (GET …/hooks answers 404). */
    setHookAccess(allowed: boolean): void {
      state.hookAccess = allowed;
    },
    /** A webhook configured on the configured repository (besides the one the fake delivers to). */
    addHook(hook: Omit<FakeHook, 'id'> & { id?: number }): void {
      (home.hooks ??= []).push({ id: 100 + (home.hooks?.length ?? 0), ...hook });
    },
    /** Repository settings as GET /repos/{owner}/{repo} shows them. */
    setRepoSettings(settings: { hasIssues?: boolean; archived?: boolean }): void {
      Object.assign(home, settings);
    },
    addCollaborator(name: string): void {
      state.collaborators.add(name.toLowerCase());
    },
    /** After this, the issue answers 410 "This issue was deleted". */
    deleteIssue(number: number): void {
      const issue = find(number);
      const delivery = (secret: string) => githubDelivery('deleted', issueJson(issue), { full_name: `${home.owner}/${home.name}` }, secret);
      issue.deleted = true;
      webhooks.announce(delivery);
    },
    /** Moves the issue to another repository (created if new); the old address answers 301. */
    transferIssue(number: number, target: string): Record<string, unknown> {
      const issue = find(number);
      const before = issueJson(issue);
      const moved = issueJson(state.transfer(issue, state.repo(target, true)!));
      webhooks.announce((secret) => githubDelivery('transferred', before, { full_name: `${home.owner}/${home.name}` }, secret));
      return moved;
    },
    /** The next `times` calls answer like an exhausted primary rate limit (remaining 0, reset time). */
    exhaustRateLimit(opts: { resetAt: Date; times?: number; status?: 403 | 429; route?: string }): void {
      const status = opts.status ?? 403;
      tracker.fail({
        status,
        times: opts.times ?? 1,
        ...(opts.route && { route: opts.route }),
        headers: {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(opts.resetAt.getTime() / 1000)),
          'x-ratelimit-used': '5000',
          'x-ratelimit-resource': 'core',
        },
        body: {
          message: `API rate limit exceeded for user ID ${loginId(login)}. If you reach out to GitHub Support for help, please include the request ID FAKE:0001.`,
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: String(status),
        },
      });
    },
    /** The next `times` calls hit a secondary rate limit with this Retry-After (seconds). */
    secondaryRateLimit(opts: { retryAfterSeconds: number; times?: number; status?: 403 | 429; route?: string }): void {
      const status = opts.status ?? 403;
      tracker.fail({
        status,
        times: opts.times ?? 1,
        ...(opts.route && { route: opts.route }),
        headers: { 'retry-after': String(opts.retryAfterSeconds), 'x-ratelimit-remaining': '4000' },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0002.',
          documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: String(status),
        },
      });
    },
  };
}

export type GithubFake = ReturnType<typeof createGithubFake>;

function bodyOf(req: FakeRequest): IssueWrite {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw Object.assign(new Error('Invalid request.\n\nFor \'properties\', the request body is not an object.'), { status: 422 });
  }
  return req.body as IssueWrite;
}

function fullName(repo: FakeRepo): string {
  return `${repo.owner}/${repo.name}`;
}

function loginId(login: string): number {
  let h = 7;
  for (const ch of login) h = (h * 31 + ch.charCodeAt(0)) % 9_000_000;
  return 1_000_000 + h;
}
