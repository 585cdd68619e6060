// The GitHub Issues connector, on @octokit/rest. One issue per defect in the configured repository:
// severity as one label, status as state/state_reason, assignee as the single assignee, and the body
// as the description plus the generated Markdown footer that carries the idempotency marker.
import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import type { ChangedTicket, Connector, FieldTimes, OutboundTicket, RemoteTicket, TicketChange, TicketField, TicketFields, TicketRef, WithheldChange } from '../contract.ts';
import { SEVERITIES } from '../../src/domain/severity.ts';
import { descriptionOf, endsWithCutNote, markdownBody, replaceMarkdownFooter, type BodyLimit } from '../body.ts';
import { TrackerError } from '../errors.ts';
import { findMarker, markerFor } from '../marker.ts';
import { RecentReads } from '../recent-reads.ts';
import type { People } from '../people.ts';
import { octokitAuth, type GithubCredential } from './credential.ts';
import { classifyGithubError, movedError } from './errors.ts';
import {
  assigneeFromLogins,
  assigneeLogins,
  canonicalFields,
  includesName,
  isTagLabel,
  otherMappedLogins,
  otherSeverityLabels,
  remoteState,
  severityFromLabels,
  severityLabel,
  statusFromIssue,
  tagLabels,
  type GithubMapping,
} from './mapping.ts';
import { githubMilestones } from './milestones.ts';
import { checkGithub } from './check.ts';
import { githubComments } from './comments.ts';
import { issueNumber, parseIssueInput, parseRepository, repoName, repoOfRepositoryUrl, sameRepo, type Repo } from './refs.ts';

export type { GithubAppCredential, GithubCredential } from './credential.ts';

/** A credential (`token`, or `app` for a GitHub App installation) and the repository it syncs. */
export type GithubSettings = GithubCredential & {
  /** owner/name */
  repository: string;
  /** https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
};

export type GithubConnectorOptions = {
  /** The connection this connector serves (default: the kind's own name, as the environment-only set-up names it). */
  connection?: string;
  settings: GithubSettings;
  mapping: GithubMapping;
  people: People;
  /** Per request, body included (default 15000). */
  timeoutMs?: number;
  /** Told of every HTTP call's answer (its status, or 'network' / 'timeout' when none came): for metrics. */
  onCall?: (status: number | 'network' | 'timeout') => void;
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
  labels: (string | Label)[];
  assignees?: { login: string }[] | null;
  milestone?: { title: string } | null;
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
  comments?: number;
};

type Label = { name?: string | undefined };

/**
 * What a listing shows of an issue, digested: two changes within one second share an updated_at, and
 * only this tells the poll that the second one happened (its webhook may be the one that was lost).
 */
function listedVersion(issue: Issue): string {
  const labels = issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).sort();
  const assignees = (issue.assignees ?? []).map((a) => a.login).sort();
  const seen = [issue.title, issue.body ?? '', issue.state, issue.state_reason ?? '', labels, assignees, issue.comments ?? 0, issue.milestone?.title ?? null];
  return createHash('sha256').update(JSON.stringify(seen)).digest('base64url').slice(0, 16);
}

type Answer<T> = { status: number; headers: Record<string, string | number | undefined>; data: T };

/** The REST API version whose behaviour this connector was written against. */
const API_VERSION = '2022-11-28';
const PER_PAGE = 100;
/** 1,000 issues created since one create attempt: stop listing and ask the search index instead. */
const MAX_PAGES = 10;
/**
 * How long a new issue may take to show in GitHub's search (eventually consistent; GitHub gives no
 * figure, it is usually seconds).
 */
const SEARCH_LAG_MS = 5 * 60_000;
/** Events pages read for one conflict's field times (10,000 events). */
const MAX_EVENT_PAGES = 100;
/** How far GitHub's clock may be behind ours: the window for the marker search opens this much earlier. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Issues whose last GET answer (ETag and issue) is kept for conditional requests. */
const ETAG_CACHE_SIZE = 500;
/** GitHub refuses longer issue bodies (422); an over-long description is cut instead, with a note. */
const BODY_LIMIT: BodyLimit = { maxLength: 65_536, tracker: 'GitHub' };

const noop = () => {};

export function createGithubConnector(options: GithubConnectorOptions): Connector {
  const { settings, mapping, people } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const repo: Repo = parseRepository(settings.repository);
  const apiUrl = (settings.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
  const octokit = new Octokit({
    // With an app, installation tokens are minted through this same client (baseUrl, fetch, timeout).
    ...octokitAuth(settings),
    baseUrl: apiUrl,
    userAgent: 'defect-sync',
    // Failures are reported as TrackerErrors; Octokit's own error log line would only repeat them.
    log: { debug: noop, info: noop, warn: console.warn, error: noop },
    request: { fetch: timedFetch(timeoutMs, options.onCall ?? noop) },
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
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
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

  /**
   * Issue GETs are conditional: GitHub answers an unchanged issue 304, which costs no rate limit.
   * The last answer per issue is kept (a bounded map, least recently used out first).
   */
  const etags = new Map<number, { etag: string; data: Issue }>();
  const getIssue = (n: number) =>
    send(`issue #${n}`, true, async () => {
      const cached = etags.get(n);
      let res: Answer<Issue>;
      try {
        res = (await octokit.rest.issues.get({
          owner: repo.owner,
          repo: repo.repo,
          issue_number: n,
          ...(cached && { headers: { 'if-none-match': cached.etag } }),
        })) as Answer<Issue>;
      } catch (err) {
        // Octokit throws for a 304 Not Modified.
        const response = (err as { response?: Answer<unknown> }).response;
        if (!cached || response?.status !== 304) throw err;
        res = { status: 304, headers: response.headers, data: cached.data };
      }
      etags.delete(n);
      const etag = res.headers['etag'];
      if (res.status < 300 || res.status === 304) {
        if (typeof etag === 'string' && etag) etags.set(n, { etag, data: res.data });
        if (etags.size > ETAG_CACHE_SIZE) etags.delete(etags.keys().next().value!);
      }
      return res;
    });

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
    const description = descriptionOf(issue.body);
    return {
      ...refOf(issue),
      ...(endsWithCutNote(description, BODY_LIMIT.tracker) && { descriptionCut: true }),
      fields: {
        title: issue.title,
        description,
        severity: severityFromLabels(mapping, labelNames(issue)),
        status: statusFromIssue(mapping, issue.state, issue.state_reason),
        assignee: assigneeFromLogins(people, loginsOf(issue)),
        milestone: issue.milestone?.title ?? null,
        tags: tagLabels(mapping, labelNames(issue)),
      },
      markerDefectId: findMarker(issue.body),
      updatedAt: new Date(issue.updated_at),
      unmappedAssignee: unmappedAssignee(issue),
    };
  }

  /** An assignee GitHub shows that the people mapping does not know (when none it knows is there). */
  function unmappedAssignee(issue: Issue): string | null {
    const logins = loginsOf(issue);
    return logins.length && assigneeFromLogins(people, logins) === null ? logins[0]! : null;
  }

  // Issues read in the last few seconds, each taken at most once: the sync's read of a ticket, handed
  // to the update that follows it in the same job. Older readings are dropped rather than trusted.
  const justRead = new RecentReads<number, Issue>({ maxSize: 1000, maxAgeMs: 10_000 });
  const milestones = githubMilestones(octokit, repo, send);

  return {
    kind: 'github',
    connection: options.connection ?? 'github',
    comments: githubComments(octokit, repo, send),

    // A GitHub App connection (its settings carry `app`) has no user behind its token: the check asks for
    // the installation instead of GET /user.
    check: (ctx) => checkGithub(octokit, repo, { apiUrl, app: Boolean((settings as { app?: unknown }).app) }, ctx),

    canonical(fields, context) {
      const read = canonicalFields(mapping, people, fields);
      // With the footer known, what reads back is exactly the body's description part as written.
      return context ? { ...read, description: descriptionOf(markdownBody({ fields, context }, BODY_LIMIT)) } : read;
    },

    async create(ticket, onCreated) {
      const { fields } = ticket;
      const assignees = assigneeLogins(people, fields.assignee);
      const label = severityLabel(mapping, fields.severity);
      const tags = tagLabels(mapping, fields.tags);
      const milestone = fields.milestone?.trim() ? await milestones.numberOf(fields.milestone) : null;
      const created = await send('creating an issue', false, () =>
        octokit.rest.issues.create({
          owner: repo.owner,
          repo: repo.repo,
          title: fields.title.trim(),
          body: markdownBody(ticket, BODY_LIMIT),
          labels: [label, ...tags],
          ...(assignees.length && { assignees }),
          ...(milestone !== null && { milestone }),
        }) as Promise<Answer<Issue>>,
      );
      const ref = refOf(created.data);
      const labelled = includesName(labelNames(created.data), label);
      const missing = assignees.find((login) => !includesName(loginsOf(created.data), login));
      const target = remoteState(fields.status);
      if (target.state === 'open' && labelled && !missing) return ref;
      // The issue exists from here on, whatever a later call or refusal does: the engine records it first.
      await onCreated?.(ref);
      if (!labelled) throw dropped(`the label "${label}"`, created.data.number);
      if (missing) throw dropped(`the assignee ${missing}`, created.data.number, missing);
      // GitHub creates every issue open; a defect that is already fixed is closed right after.
      const closed = await patchIssue(created.data.number, target);
      return refOf(closed.data);
    },

    async update(ref, ticket, changes, previous = null) {
      if (changes.size === 0) return ref;
      const n = issueNumber(ref.remoteId);
      const current = issueOnce(n, justRead.take(n)?.value);
      let latest: Issue | undefined;
      const withheld: WithheldChange[] = [];
      const patch = await patchFor(ticket, changes, current, withheld);
      if (Object.keys(patch).length) latest = (await patchIssue(n, patch)).data;
      if (changes.has('severity')) await setSeverityLabel(n, ticket.fields.severity, previous, current);
      if (changes.has('tags')) await setTagLabels(n, ticket.fields.tags, previous, current);
      if (changes.has('assignee')) latest = (await setAssignee(n, ticket.fields.assignee, previous, current)) ?? latest;
      const at = latest ? refOf(latest) : ref;
      return withheld.length ? { ...at, withheld } : at;
    },

    async read(ref) {
      const res = await getIssue(issueNumber(ref.remoteId));
      justRead.put(issueNumber(ref.remoteId), res.data);
      return remoteOf(res.data);
    },

    async findByMarker(defectId, attemptStartedAt) {
      // `attemptStartedAt` is the attempt to cover, whichever it is (the engine may name its latest
      // unfinished one); the window opens CLOCK_SKEW_MS before it.
      const marker = markerFor(defectId);
      const from = windowStart(attemptStartedAt);
      const fromText = new Date(from).toISOString().replace('.000Z', 'Z');
      // Newest first, so the scan ends at the first issue created before the window: the marker
      // issue cannot be older than the attempt. `since` (updated_at) drops more that cannot match.
      // This listing reads GitHub's primary store, so an issue created a moment ago is in it.
      let res = await send('listing issues', false, () =>
        octokit.rest.issues.listForRepo({
          owner: repo.owner,
          repo: repo.repo,
          state: 'all',
          sort: 'created',
          direction: 'desc',
          since: fromText,
          per_page: PER_PAGE,
          page: 1,
        }) as Promise<Answer<Issue[]>>,
      );
      let oldestHit: Issue | undefined;
      for (let page = 1; ; page++) {
        for (const issue of res.data) {
          if (Date.parse(issue.created_at) < from) return oldestHit ? refOf(oldestHit) : null;
          // A defect that somehow got two issues resolves to the first one.
          if (carriesMarker(issue, marker)) oldestHit = issue;
        }
        const next = nextLink(res.headers['link']);
        if (!next) return oldestHit ? refOf(oldestHit) : null;
        // The token goes wherever this URL points: only ever to the configured API.
        if (new URL(next).origin !== new URL(apiUrl).origin) {
          throw new TrackerError('github', 'rejected', `github sent a next-page link outside ${apiUrl}: ${next}`);
        }
        if (page >= MAX_PAGES) break;
        res = await send('listing issues', false, () => octokit.request({ method: 'GET', url: next }) as Promise<Answer<Issue[]>>);
      }
      // More than MAX_PAGES pages of issues were created since the attempt: rather than read them all, or
      // give up for good (the window only grows while no create is tried), ask the search index for the
      // marker. The index lags behind creates, so it is trusted only once an issue made by the attempt
      // (landing as late as its deadline) has had SEARCH_LAG_MS to show; until then the job retries.
      const visibleBy = attemptStartedAt.getTime() + timeoutMs + SEARCH_LAG_MS;
      if (Date.now() < visibleBy) {
        throw new TrackerError(
          'github',
          'transient',
          `github marker lookup: more than ${MAX_PAGES * PER_PAGE} issues were created since ${fromText}, and the search index may not show an issue created since then until ${new Date(visibleBy).toISOString()}`,
          { retryAfterMs: visibleBy - Date.now() },
        );
      }
      const found = await send('searching issues for the marker', false, () =>
        octokit.request('GET /search/issues', {
          q: `repo:${repoName(repo)} is:issue in:body "${marker}" created:>=${fromText}`,
          sort: 'created',
          order: 'asc',
          per_page: PER_PAGE,
          advanced_search: 'true',
        }) as Promise<Answer<{ items?: Issue[] }>>,
      );
      const hit = (found.data.items ?? []).find((issue) => carriesMarker(issue, marker) && Date.parse(issue.created_at) >= from);
      return hit ? refOf(hit) : oldestHit ? refOf(oldestHit) : null;
    },

    async fieldTimes(ref, fields, remote) {
      // The issue's events, oldest first: the newest event of each kind says when its field last changed.
      // Page 1 names the last page; pages are then read from the last backwards until every field asked
      // for (that GitHub records events for) has its newest event, or MAX_EVENT_PAGES were read.
      const n = issueNumber(ref.remoteId);
      const list = (page: number) =>
        send(`events of issue #${n}`, true, () =>
          octokit.rest.issues.listEvents({ owner: repo.owner, repo: repo.repo, issue_number: n, per_page: PER_PAGE, page }) as Promise<Answer<IssueEvent[]>>,
        );
      const isSeverityLabel = (name: string) => SEVERITIES.some((sev) => includesName([severityLabel(mapping, sev)], name));
      const times: FieldTimes = {};
      /** Newest first within a page; a field found on a later page keeps that (newer) time. */
      const take = (events: IssueEvent[]) => {
        for (const event of events.toReversed()) {
          const field = fieldOfEvent(event, isSeverityLabel);
          if (field && !times[field] && event.created_at) times[field] = new Date(event.created_at);
        }
      };
      const first = await list(1);
      const lastLink = relLink(first.headers['link'], 'last');
      const last = lastLink ? Number(new URL(lastLink, apiUrl).searchParams.get('page')) : 1;
      // A last page we cannot tell: no event read can be trusted as the newest.
      if (!Number.isInteger(last) || last < 1) return Object.fromEntries(fields.map((f) => [f, remote.updatedAt]));
      const wanted = fields.filter((f) => f !== 'description');
      let page = last;
      let reads = 1;
      while (page > 1 && reads < MAX_EVENT_PAGES && wanted.some((f) => !times[f])) {
        take((await list(page)).data);
        page--;
        reads++;
      }
      // Page 1 counts only once every page after it was read: else an older event would pass for the newest.
      if (page === 1) take(first.data);
      // GitHub records no event for a body edit: the issue's updated time is the best it can say, as for
      // a field whose newest event lies on a page not read.
      return Object.fromEntries(fields.map((f) => [f, times[f] ?? remote.updatedAt]));
    },

    async changedSince(since, limit) {
      const out: ChangedTicket[] = [];
      // (number, updated_at): an issue re-read at the same change is listed once.
      const seen = new Set<string>();
      let anchor = Math.floor(since.getTime() / 1000) * 1000;
      let page = 1;
      for (;;) {
        const sinceText = new Date(anchor).toISOString().replace('.000Z', 'Z');
        const res = await send('listing changed issues', false, () =>
          octokit.rest.issues.listForRepo({ owner: repo.owner, repo: repo.repo, state: 'all', sort: 'updated', direction: 'asc', since: sinceText, per_page: PER_PAGE, page }) as Promise<
            Answer<Issue[]>
          >,
        );
        for (const issue of res.data) {
          const key = `${issue.number}@${issue.updated_at}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (!issue.pull_request) out.push({ remoteId: String(issue.number), updatedAt: new Date(issue.updated_at), version: listedVersion(issue) });
        }
        const last = res.data.at(-1);
        if (out.length >= limit || !last || !nextLink(res.headers['link'])) return out;
        // The next page is asked for from the last issue's time, not by number: an issue updated while
        // we page moves to the end of the list, shifting every later page by one, and page n+1 would
        // then start one issue too far. Only a page all of one second (GitHub's resolution) is left by number.
        const lastAt = Date.parse(last.updated_at);
        if (lastAt > anchor) {
          anchor = lastAt;
          page = 1;
        } else {
          page++;
        }
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
   * The issue as GitHub holds it, read at most once per update and only when needed. A sync reads the
   * issue just before it updates it; that reading is used, so the labels and assignees to remove are
   * the ones on the issue (a co-assignee or a second severity label a person added), not guessed from
   * the snapshot, at no extra call.
   */
  function issueOnce(n: number, fresh?: Issue): { get: () => Promise<Issue>; known: () => Issue | undefined } {
    let issue: Issue | undefined = fresh;
    return {
      get: async () => {
        if (!issue) {
          issue = (await getIssue(n)).data;
          refOf(issue);
        }
        return issue;
      },
      known: () => issue,
    };
  }

  /**
   * The issue fields that changed, for one PATCH (labels and assignees go through their own
   * endpoints). When the body must change but 'description' is not a change (the footer states the
   * severity and the failing runs), the issue is read and the text a person wrote before our footer
   * is kept as GitHub holds it; when that text leaves no room for even the shortest footer, the body
   * is left alone and the footer reported withheld, never the person's text cut.
   */
  async function patchFor(
    ticket: OutboundTicket,
    changes: ReadonlySet<TicketChange>,
    current: ReturnType<typeof issueOnce>,
    withheld: WithheldChange[],
  ): Promise<Record<string, unknown>> {
    const { fields } = ticket;
    const patch: Record<string, unknown> = {};
    if (changes.has('title')) patch['title'] = fields.title.trim();
    if (changes.has('description')) patch['body'] = markdownBody(ticket, BODY_LIMIT);
    else if (changes.has('severity') || changes.has('context')) {
      const issue = await current.get();
      const body = replaceMarkdownFooter(issue.body, ticket, BODY_LIMIT);
      if (body !== null) patch['body'] = body;
      else {
        withheld.push({
          change: 'context',
          reason: `the text written in GitHub on ${repoName(repo)}#${issue.number} leaves no room for Defect Sync's footer within GitHub's ${BODY_LIMIT.maxLength} characters; the footer (severity, failing runs, link to the defect) was not updated, so as not to cut that text`,
        });
      }
    }
    if (changes.has('milestone')) patch['milestone'] = fields.milestone?.trim() ? await milestones.numberOf(fields.milestone) : null;
    if (changes.has('status')) {
      const target = remoteState(fields.status);
      // state_reason only counts when the state changes, so "reopened" cannot mislabel an open issue.
      Object.assign(patch, target.state === 'open' ? { state: 'open', state_reason: 'reopened' } : target);
    }
    return patch;
  }

  /**
   * Adds the new severity label and removes the old one, one label each: PATCH `labels` would
   * replace the whole set and drop a label a person added meanwhile. Which to remove comes from the
   * issue when it was read anyway, else from the previous snapshot; with neither, the issue is read.
   */
  async function setSeverityLabel(n: number, severity: TicketFields['severity'], previous: TicketFields | null, current: ReturnType<typeof issueOnce>) {
    const wanted = severityLabel(mapping, severity);
    const issue = current.known() ?? (previous ? undefined : await current.get());
    const onIssue = issue && labelNames(issue);
    const remove = onIssue ? otherSeverityLabels(mapping, onIssue, severity) : otherSeverityLabels(mapping, [severityLabel(mapping, previous!.severity)], severity);
    if (!onIssue || !includesName(onIssue, wanted)) {
      const added = await send(`adding a label to issue #${n}`, true, () =>
        octokit.rest.issues.addLabels({ owner: repo.owner, repo: repo.repo, issue_number: n, labels: [wanted] }) as Promise<Answer<Label[]>>,
      );
      if (!includesName(names(added.data), wanted)) throw dropped(`the label "${wanted}"`, n);
    }
    for (const name of remove) {
      const left = await removeLabel(n, name);
      if (left && includesName(names(left), name)) throw dropped(`removing the label "${name}"`, n);
    }
  }

  /**
   * Adds the tags the issue lacks (one call for all) and removes the tag labels the defect no longer has,
   * one label each, leaving severity labels alone. Which labels are there comes from the issue when it
   * was read anyway, else from the previous snapshot (with neither, the issue is read).
   */
  async function setTagLabels(n: number, tags: readonly string[], previous: TicketFields | null, current: ReturnType<typeof issueOnce>) {
    const wanted = tagLabels(mapping, tags);
    const issue = current.known() ?? (previous ? undefined : await current.get());
    const onIssue = issue ? labelNames(issue).filter((name) => isTagLabel(mapping, name)) : previous!.tags;
    const add = wanted.filter((t) => !includesName(onIssue, t));
    const remove = onIssue.filter((name) => !includesName(wanted, name));
    if (add.length) {
      const added = await send(`adding labels to issue #${n}`, true, () =>
        octokit.rest.issues.addLabels({ owner: repo.owner, repo: repo.repo, issue_number: n, labels: add }) as Promise<Answer<Label[]>>,
      );
      const missing = add.find((t) => !includesName(names(added.data), t));
      if (missing) throw dropped(`the label "${missing}"`, n);
    }
    for (const name of remove) {
      const left = await removeLabel(n, name);
      if (left && includesName(names(left), name)) throw dropped(`removing the label "${name}"`, n);
    }
  }

  /** DELETE one label; null when the issue does not carry it (GitHub's 404 "Label does not exist"). */
  function removeLabel(n: number, name: string): Promise<Label[] | null> {
    return send(`removing a label from issue #${n}`, true, async () => {
      try {
        return (await octokit.rest.issues.removeLabel({ owner: repo.owner, repo: repo.repo, issue_number: n, name })) as Answer<Label[]>;
      } catch (err) {
        const response = (err as { response?: { status?: number; data?: { message?: unknown } } }).response;
        if (response?.status === 404 && response.data?.message === 'Label does not exist') return { status: 404, headers: {}, data: null };
        throw err;
      }
    }).then((res) => res.data);
  }

  /**
   * Assigns the new person and unassigns the previous one, leaving co-assignees a person added:
   * PATCH `assignees` would replace them all. Returns the issue as the last call left it.
   */
  async function setAssignee(n: number, email: string | null, previous: TicketFields | null, current: ReturnType<typeof issueOnce>): Promise<Issue | undefined> {
    const [wanted] = assigneeLogins(people, email);
    const issue = current.known() ?? (previous ? undefined : await current.get());
    const onIssue = issue && loginsOf(issue);
    const remove = onIssue ? otherMappedLogins(people, onIssue, wanted) : otherMappedLogins(people, assigneeLogins(people, previous!.assignee), wanted);
    let latest: Issue | undefined;
    if (wanted && !(onIssue && includesName(onIssue, wanted))) {
      latest = (
        await send(`assigning issue #${n}`, true, () =>
          octokit.rest.issues.addAssignees({ owner: repo.owner, repo: repo.repo, issue_number: n, assignees: [wanted] }) as Promise<Answer<Issue>>,
        )
      ).data;
      if (!includesName(loginsOf(latest), wanted)) throw dropped(`the assignee ${wanted}`, n, wanted);
    }
    if (remove.length) {
      latest = (
        await send(`unassigning issue #${n}`, true, () =>
          octokit.rest.issues.removeAssignees({ owner: repo.owner, repo: repo.repo, issue_number: n, assignees: remove }) as Promise<Answer<Issue>>,
        )
      ).data;
      const kept = remove.find((login) => includesName(loginsOf(latest!), login));
      if (kept) throw dropped(`removing the assignee ${kept}`, n);
    }
    return latest;
  }

  /**
   * A write GitHub answered 2xx without applying: it silently drops labels and assignees from a token
   * without push (triage) access, and assignees who cannot be assigned in the repository.
   */
  function dropped(what: string, n: number, login?: string): TrackerError {
    return new TrackerError(
      'github',
      'rejected',
      `github accepted ${what} on ${repoName(repo)}#${n} but did not apply it: the token lacks push (triage) access to ${repoName(repo)}${login ? `, or ${login} cannot be assigned there` : ''}`,
    );
  }
}

/**
 * fetch with a deadline covering the whole exchange (body included), and without following
 * redirects: fetch would re-send a PATCH to wherever a transferred issue went, editing an issue
 * outside the configured repository. GitHub answers 301 for those; the connector reports 'moved'.
 */
function timedFetch(timeoutMs: number, onCall: NonNullable<GithubConnectorOptions['onCall']>): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const call = globalThis.fetch(input, {
      ...init,
      redirect: 'manual',
      signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
    });
    // Counted here, below Octokit, where the real status (or the lack of one) is still visible.
    return call.then(
      (res) => (onCall(res.status), res),
      (err: unknown) => {
        onCall(deadline.aborted ? 'timeout' : 'network');
        throw err;
      },
    );
  };
}

function labelNames(issue: Issue): string[] {
  return names(issue.labels);
}

function names(labels: readonly (string | Label)[]): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}

type IssueEvent = { event?: string; created_at?: string; label?: { name?: string } | null };

/** Which defect field an issue event changed; label events count only for severity labels. */
function fieldOfEvent(e: IssueEvent, isSeverityLabel: (name: string) => boolean): TicketField | null {
  switch (e.event) {
    case 'renamed':
      return 'title';
    case 'closed':
    case 'reopened':
      return 'status';
    case 'assigned':
    case 'unassigned':
      return 'assignee';
    case 'labeled':
    case 'unlabeled':
      if (!e.label?.name) return null;
      return isSeverityLabel(e.label.name) ? 'severity' : 'tags';
    case 'milestoned':
    case 'demilestoned':
      return 'milestone';
    default:
      return null;
  }
}

/** An issue (not a pull request) whose body carries the marker. */
function carriesMarker(issue: Issue, marker: string): boolean {
  return !issue.pull_request && (issue.body ?? '').toLowerCase().includes(marker);
}

function loginsOf(issue: Issue): string[] {
  return (issue.assignees ?? []).map((a) => a.login);
}

/** The earliest creation time the marker issue may carry: skew allowed for, on GitHub's whole seconds. */
function windowStart(attemptStartedAt: Date): number {
  return Math.floor((attemptStartedAt.getTime() - CLOCK_SKEW_MS) / 1000) * 1000;
}

/** The rel="next" URL of a GitHub Link header. */
export function nextLink(link: string | number | undefined): string | null {
  return relLink(link, 'next');
}

/** The URL of a relation (next, last…) in a GitHub Link header. */
export function relLink(link: string | number | undefined, rel: string): string | null {
  if (typeof link !== 'string') return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (m && m[2]!.split(/\s+/).includes(rel)) return m[1]!;
  }
  return null;
}
