// The GitHub Issues connector, on @octokit/rest. One issue per defect in the configured repository:
// severity as one label, status as state/state_reason, assignee as the single assignee, and the body
// as the description plus the generated Markdown footer that carries the idempotency marker.
import { Octokit } from '@octokit/rest';
import type { Connector, OutboundTicket, RemoteTicket, TicketChange, TicketRef } from '../contract.ts';
import { descriptionOf, markdownBody, replaceMarkdownFooter } from '../body.ts';
import { TrackerError } from '../errors.ts';
import { findMarker, markerFor } from '../marker.ts';
import type { People } from '../people.ts';
import { classifyGithubError, movedError } from './errors.ts';
import {
  assigneeFromLogins,
  assigneeLogins,
  canonicalFields,
  labelsWithSeverity,
  remoteState,
  severityFromLabels,
  severityLabel,
  statusFromIssue,
  type GithubMapping,
} from './mapping.ts';
import { issueNumber, parseIssueInput, parseRepository, repoName, repoOfRepositoryUrl, sameRepo, type Repo } from './refs.ts';

export type GithubSettings = {
  token: string;
  /** owner/name */
  repository: string;
  /** https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
};

export type GithubConnectorOptions = {
  settings: GithubSettings;
  mapping: GithubMapping;
  people: People;
  /** Per request, body included (default 15000). */
  timeoutMs?: number;
};

/** The fields of an issue this connector reads (a subset of GitHub's issue object). */
type Issue = {
  number: number;
  html_url: string;
  repository_url: string;
  title: string;
  body?: string | null;
  state: string;
  state_reason?: string | null;
  labels: (string | { name?: string | undefined })[];
  assignees?: { login: string }[] | null;
  updated_at: string;
  pull_request?: unknown;
};

type Answer<T> = { status: number; headers: Record<string, string | number | undefined>; data: T };

/** The REST API version whose behaviour this connector was written against. */
const API_VERSION = '2022-11-28';
const PER_PAGE = 100;
/** 10,000 issues changed since one create attempt means something else is wrong; stop rather than loop on. */
const MAX_PAGES = 100;

const noop = () => {};

export function createGithubConnector(options: GithubConnectorOptions): Connector {
  const { settings, mapping, people } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const repo: Repo = parseRepository(settings.repository);
  const apiUrl = (settings.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
  const octokit = new Octokit({
    auth: settings.token,
    baseUrl: apiUrl,
    userAgent: 'defect-sync',
    // Failures are reported as TrackerErrors; Octokit's own error log line would only repeat them.
    log: { debug: noop, info: noop, warn: console.warn, error: noop },
    request: { fetch: timedFetch(timeoutMs) },
  });
  octokit.hook.before('request', (req) => {
    req.headers['x-github-api-version'] = API_VERSION;
  });

  async function send<T>(what: string, onTicket: boolean, call: () => Promise<Answer<T>>): Promise<Answer<T>> {
    let res: Answer<T>;
    try {
      res = await call();
    } catch (err) {
      throw classifyGithubError(err, what, { onTicket, timeoutMs });
    }
    // Redirects are not followed (see timedFetch), so a transferred issue shows up here. A redirect
    // on a repository-level call (create, list) means the configured repository itself was renamed
    // or transferred: a setting to fix, not a ticket that moved.
    if (res.status >= 300 && res.status < 400) {
      if (onTicket) throw movedError(what, repoName(repo), res);
      throw new TrackerError(
        'github',
        'rejected',
        `github answered ${res.status} for ${what}: the repository ${repoName(repo)} was renamed or moved${res.headers['location'] ? ` (now ${String(res.headers['location'])})` : ''}; update the configured repository`,
        { status: res.status },
      );
    }
    return res;
  }

  const getIssue = (n: number) =>
    send(`issue #${n}`, true, () => octokit.rest.issues.get({ owner: repo.owner, repo: repo.repo, issue_number: n }) as Promise<Answer<Issue>>);

  const patchIssue = (n: number, body: Record<string, unknown>) =>
    send(`updating issue #${n}`, true, () =>
      octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: n, ...body }) as Promise<Answer<Issue>>,
    );

  /** The ref of an issue that must still be in the configured repository. */
  function refOf(issue: Issue): TicketRef {
    const where = repoOfRepositoryUrl(issue.repository_url);
    if (!where || !sameRepo(where, repo)) {
      throw new TrackerError(
        'github',
        'moved',
        `github issue ${issue.html_url} is in ${where ? repoName(where) : issue.repository_url}, not in the configured repository ${repoName(repo)}`,
      );
    }
    return { remoteId: String(issue.number), key: `${repoName(where)}#${issue.number}`, url: issue.html_url };
  }

  function remoteOf(issue: Issue): RemoteTicket {
    return {
      ...refOf(issue),
      fields: {
        title: issue.title,
        description: descriptionOf(issue.body),
        severity: severityFromLabels(mapping, labelNames(issue)),
        status: statusFromIssue(mapping, issue.state, issue.state_reason),
        assignee: assigneeFromLogins(people, (issue.assignees ?? []).map((a) => a.login)),
      },
      markerDefectId: findMarker(issue.body),
      updatedAt: new Date(issue.updated_at),
    };
  }

  return {
    kind: 'github',

    canonical: (fields) => canonicalFields(mapping, people, fields),

    async create(ticket) {
      const { fields } = ticket;
      const assignees = assigneeLogins(people, fields.assignee);
      const created = await send('creating an issue', false, () =>
        octokit.rest.issues.create({
          owner: repo.owner,
          repo: repo.repo,
          title: fields.title.trim(),
          body: markdownBody(ticket),
          labels: [severityLabel(mapping, fields.severity)],
          ...(assignees.length && { assignees }),
        }) as Promise<Answer<Issue>>,
      );
      const target = remoteState(fields.status);
      if (target.state === 'open') return refOf(created.data);
      // GitHub creates every issue open; a defect that is already fixed is closed right after.
      const closed = await patchIssue(created.data.number, target);
      return refOf(closed.data);
    },

    async update(ref, ticket, changes) {
      if (changes.size === 0) return ref;
      const n = issueNumber(ref.remoteId);
      const patch = await patchFor(ticket, changes, n);
      const res = await patchIssue(n, patch);
      return refOf(res.data);
    },

    async read(ref) {
      const res = await getIssue(issueNumber(ref.remoteId));
      return remoteOf(res.data);
    },

    async findByMarker(defectId, since) {
      const marker = markerFor(defectId);
      // `since` compares with updated_at, which has whole-second resolution: start a second early.
      const from = new Date(Math.floor(since.getTime() / 1000) * 1000 - 1000).toISOString().replace('.000Z', 'Z');
      // Oldest first, so a defect that somehow got two issues always resolves to the first one.
      let res = await send('listing issues', false, () =>
        octokit.rest.issues.listForRepo({
          owner: repo.owner,
          repo: repo.repo,
          state: 'all',
          sort: 'created',
          direction: 'asc',
          since: from,
          per_page: PER_PAGE,
          page: 1,
        }) as Promise<Answer<Issue[]>>,
      );
      for (let page = 1; ; page++) {
        const hit = res.data.find((i) => !i.pull_request && (i.body ?? '').toLowerCase().includes(marker));
        if (hit) return refOf(hit);
        const next = nextLink(res.headers['link']);
        if (!next) return null;
        // The token goes wherever this URL points: only ever to the configured API.
        if (new URL(next).origin !== new URL(apiUrl).origin) {
          throw new TrackerError('github', 'rejected', `github sent a next-page link outside ${apiUrl}: ${next}`);
        }
        if (page >= MAX_PAGES) {
          throw new TrackerError('github', 'rejected', `github marker lookup gave up after ${MAX_PAGES} pages of issues changed since ${from}`);
        }
        res = await send('listing issues', false, () => octokit.request({ method: 'GET', url: next }) as Promise<Answer<Issue[]>>);
      }
    },

    async lookup(keyOrUrl) {
      const n = parseIssueInput(keyOrUrl, repo, apiUrl);
      const res = await getIssue(n);
      if (res.data.pull_request) {
        throw new TrackerError('github', 'rejected', `${repoName(repo)}#${n} is a pull request, not an issue`);
      }
      return remoteOf(res.data);
    },
  };

  /**
   * One PATCH carrying every changed part. The issue is read first when the body must change but
   * 'description' is not a change (the footer states the severity and the failing runs): the text a
   * person wrote before our footer is kept as GitHub holds it. A severity change also reads it:
   * PATCH `labels` replaces the whole set, and the labels a person added must survive.
   */
  async function patchFor(ticket: OutboundTicket, changes: ReadonlySet<TicketChange>, n: number): Promise<Record<string, unknown>> {
    const { fields } = ticket;
    const patch: Record<string, unknown> = {};
    let current: Issue | undefined;
    const issueNow = async () => {
      if (!current) {
        current = (await getIssue(n)).data;
        refOf(current);
      }
      return current;
    };
    if (changes.has('title')) patch['title'] = fields.title.trim();
    if (changes.has('description')) patch['body'] = markdownBody(ticket);
    else if (changes.has('severity') || changes.has('context')) patch['body'] = replaceMarkdownFooter((await issueNow()).body, ticket);
    if (changes.has('assignee')) patch['assignees'] = assigneeLogins(people, fields.assignee);
    if (changes.has('status')) {
      const target = remoteState(fields.status);
      // state_reason only counts when the state changes, so "reopened" cannot mislabel an open issue.
      Object.assign(patch, target.state === 'open' ? { state: 'open', state_reason: 'reopened' } : target);
    }
    if (changes.has('severity')) patch['labels'] = labelsWithSeverity(mapping, labelNames(await issueNow()), fields.severity);
    return patch;
  }
}

/**
 * fetch with a deadline covering the whole exchange (body included), and without following
 * redirects: fetch would re-send a PATCH to wherever a transferred issue went, editing an issue
 * outside the configured repository. GitHub answers 301 for those; the connector reports 'moved'.
 */
function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return globalThis.fetch(input, {
      ...init,
      redirect: 'manual',
      signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
    });
  };
}

function labelNames(issue: Issue): string[] {
  return issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}

/** The rel="next" URL of a GitHub Link header. */
export function nextLink(link: string | number | undefined): string | null {
  if (typeof link !== 'string') return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (m && m[2]!.split(/\s+/).includes('next')) return m[1]!;
  }
  return null;
}
