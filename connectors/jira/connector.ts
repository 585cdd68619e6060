// The Jira Cloud connector, on jira.js 6 (REST API v3). Issues are addressed by their numeric id, which
// survives a move to another project; the key is re-read from Jira on every write so a changed key
// reaches the engine. The idempotency marker is a label, found through the enhanced JQL search.
import { createJiraClient, type JiraClient } from './sdk.ts';
import type { Issue, IssueTransition } from 'jira.js/cloud';
import type { ChangedTicket, Connector, FieldTimes, OutboundTicket, RemoteTicket, TicketChange, TicketContext, TicketField, TicketFields, TicketRef, UpdatedTicket, WithheldChange } from '../contract.ts';
import type { DefectStatus } from '../../src/domain/lifecycle.ts';
import { TrackerError } from '../errors.ts';
import { findMarker, markerFor } from '../marker.ts';
import { RecentReads } from '../recent-reads.ts';
import type { People } from '../people.ts';
import { descriptionFromAdf, normalizeDescription, renderDescription, withFooter } from './adf.ts';
import { descriptionWrite } from './adf-patch.ts';
import { CUT_NOTE } from './fit.ts';
import { createJiraTransport } from './transport.ts';
import { checkJira } from './check.ts';
import { jiraComments } from './comments.ts';
import { jiraVersions } from './versions.ts';
import { explainUnassignedRefusal, toTrackerError } from './errors.ts';
import {
  canonicalStatus,
  canonicalTitle,
  defectStatusFrom,
  priorityFor,
  severityFromPriority,
  statusMatches,
  tagLabels,
  targetFor,
  USUAL_STATUS_NAME,
  type JiraMapping,
  type StatusTarget,
} from './mapping.ts';

export type JiraSettings = {
  baseUrl: string;
  email: string;
  apiToken: string;
  projectKey: string;
  issueType: string;
  /** How long a new issue may take to show in search (default INDEX_LAG_MS). */
  searchLagMs?: number;
  /** Sent with every create beside the fields this connector writes (components, a field the issue type requires). */
  createFields?: Record<string, unknown>;
};

export type JiraConnectorOptions = {
  /** The connection this connector serves (default: the kind's own name, as the environment-only set-up names it). */
  connection?: string;
  settings: JiraSettings;
  mapping: JiraMapping;
  people: People;
  timeoutMs?: number;
  /** Told of every HTTP call's answer (its status, or 'network' / 'timeout' when none came): for metrics. */
  onCall?: (status: number | 'network' | 'timeout') => void;
};

/**
 * How long a new issue may take to show in the enhanced JQL search. Atlassian: without
 * reconcileIssues the search is eventually consistent, "the delay might vary from a few seconds to
 * minutes, depending on the operation. The majority of modifications are shown within seconds";
 * minutes are for bulk operations, not a single create (developer.atlassian.com/cloud/jira/platform/search-and-reconcile).
 */
export const INDEX_LAG_MS = 60_000;
/** For the Date header's one-second resolution and skew between our workers' clocks. */
export const CLOCK_SLACK_MS = 5_000;

const READ_FIELDS = ['summary', 'description', 'priority', 'status', 'assignee', 'labels', 'fixVersions', 'updated', 'project'];

/** Issues per bulk fetch (Jira's maximum). */
const BULK_FETCH_MAX = 100;
/** Issues whose description document is kept from their last read, and for how long it stands for the issue. */
const DOC_CACHE_SIZE = 500;
const READ_REUSE_MS = 60_000;

/** Changelog entries read per page; the newest page is read when there are more. */
const CHANGELOG_PAGE = 100;

/** The defect field a changelog item is about, by Jira field id (or name for older entries). */
const FIELD_OF_CHANGE: Record<string, TicketField> = {
  summary: 'title',
  description: 'description',
  priority: 'severity',
  status: 'status',
  assignee: 'assignee',
  labels: 'tags',
  fixVersions: 'milestone',
  'Fix Version': 'milestone',
};

type CurrentStatus = { name: string | undefined; category: string | undefined };

export function createJiraConnector(options: JiraConnectorOptions): Connector {
  const { mapping, people } = options;
  const baseUrl = options.settings.baseUrl.replace(/\/+$/, '');
  const projectKey = options.settings.projectKey;
  const issueType = options.settings.issueType || 'Bug';
  const timeoutMs = options.timeoutMs ?? 15_000;
  // Our transport (transport.ts): one attempt per call (the engine's queue owns retries), cancelled
  // for real on the deadline, and Jira's clock read from every answer.
  const transport = createJiraTransport({
    baseUrl,
    email: options.settings.email,
    apiToken: options.settings.apiToken,
    timeoutMs,
    ...(options.onCall && { onCall: options.onCall }),
  });
  const jira: JiraClient = createJiraClient(transport);

  async function call<T>(fn: () => Promise<T>, onTicket = false): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toTrackerError(err, { onTicket });
    }
  }

  const refOf = (remoteId: string, key: string): TicketRef => ({ remoteId, key, url: `${baseUrl}/browse/${key}` });

  // This process's unfinished create attempts per defect: when each began, and whether Jira's own
  // answer proved nothing was made (any HTTP error but a gateway's 502/503/504, which may hide a
  // create that went through). Lets findByMarker skip the index wait after a plain refusal.
  const attempts = new Map<string, { startedAt: number; refused: boolean }[]>();

  async function getIssue(idOrKey: string, fields: string[]): Promise<Issue & { id: string; key: string }> {
    const issue = await call(() => jira.issues.getIssue({ issueIdOrKey: idOrKey, fields }), true);
    if (!issue.id || !issue.key) throw new TrackerError('jira', 'transient', `jira answered issue ${idOrKey} without an id or key`);
    if (fields.includes('description')) docs.put(issue.id, issue.fields?.description);
    return issue as Issue & { id: string; key: string };
  }

  /**
   * Changes since `since` to linked issues now outside the project (moved there; Jira keeps the id).
   * Their links may still hold the old key, so every linked id is checked, through the bulk fetch (a
   * consistent read that leaves out ids gone or hidden rather than failing the way a JQL naming them can).
   */
  async function changedElsewhere(linked: readonly string[], since: Date): Promise<ChangedTicket[]> {
    const out: ChangedTicket[] = [];
    const ids = [...new Set(linked)].filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < ids.length; i += BULK_FETCH_MAX) {
      const batch = ids.slice(i, i + BULK_FETCH_MAX);
      const result = await call(() => jira.issues.bulkFetchIssues({ issueIdsOrKeys: batch, fields: ['project', 'updated'] }));
      for (const issue of result.issues ?? []) {
        const fields = issue.fields as { project?: { key?: string }; updated?: string } | undefined;
        const updated = new Date(String(fields?.updated ?? ''));
        if (!issue.id || fields?.project?.key === projectKey || Number.isNaN(updated.getTime()) || updated < since) continue;
        out.push({ remoteId: issue.id, updatedAt: updated });
      }
    }
    return out;
  }

  // The description document of issues read in the last moments: a sync reads the issue and then
  // writes it, and a description change is patched into the document that read saw (adf-patch.ts)
  // without a second GET. Older than READ_REUSE_MS, it is read again.
  const docs = new RecentReads<string, unknown>({ maxSize: DOC_CACHE_SIZE, maxAgeMs: READ_REUSE_MS });

  function currentStatus(issue: Issue): CurrentStatus {
    const status = issue.fields?.status as { name?: string; statusCategory?: { key?: string } } | undefined;
    return { name: status?.name, category: status?.statusCategory?.key };
  }

  function describeTarget(target: StatusTarget): string {
    return target.kind === 'category' ? `status category "${target.category}"` : `status "${target.name}"`;
  }

  /**
   * Among the transitions reaching the target, the one whose status reads back as the defect status
   * we expect (so "done" lands in Done rather than Won't Do), then the category's usual status.
   */
  function chooseTransition(transitions: IssueTransition[], target: StatusTarget, status: DefectStatus): IssueTransition | undefined {
    const expected = canonicalStatus(mapping, status);
    let best: { t: IssueTransition; score: number } | undefined;
    for (const t of transitions) {
      const toName = t.to?.name;
      const toCategory = t.to?.statusCategory?.key;
      if (!t.id || !statusMatches(target, toName, toCategory)) continue;
      const score =
        (defectStatusFrom(mapping, toName, toCategory) === expected ? 2 : 0) +
        (target.kind === 'category' && toName?.toLowerCase() === USUAL_STATUS_NAME[target.category].toLowerCase() ? 1 : 0);
      if (!best || score > best.score) best = { t, score };
    }
    return best?.t;
  }

  /** Moves the issue to the defect status's target; `current` null when not read yet. */
  async function moveStatus(remoteId: string, status: DefectStatus, current: CurrentStatus | null): Promise<void> {
    const target = targetFor(mapping, status);
    if (current && statusMatches(target, current.name, current.category)) return;
    const { transitions = [] } = await call(() => jira.issues.getTransitions({ issueIdOrKey: remoteId }), true);
    const chosen = chooseTransition(transitions, target, status);
    if (!chosen) {
      const now = current ?? currentStatus(await getIssue(remoteId, ['status']));
      if (statusMatches(target, now.name, now.category)) return;
      const available = transitions.map((t) => `"${t.name}" → ${t.to?.name} (${t.to?.statusCategory?.key})`).join(', ') || 'none';
      throw new TrackerError(
        'jira',
        'rejected',
        `jira has no transition from "${now.name}" to ${describeTarget(target)} (for defect status ${status}); available transitions: ${available}`,
      );
    }
    await call(() => jira.issues.doTransition({ issueIdOrKey: remoteId, transition: { id: chosen.id } }), true);
  }

  function toRemoteTicket(issue: Issue & { id: string; key: string }): RemoteTicket {
    const f = (issue.fields ?? {}) as {
      summary?: string;
      description?: unknown;
      priority?: { name?: string } | null;
      assignee?: { accountId?: string } | null;
      labels?: string[];
      fixVersions?: { name?: string }[] | null;
      updated?: string;
    };
    const status = currentStatus(issue);
    const updated = f.updated ? new Date(f.updated) : new Date(Number.NaN);
    const description = descriptionFromAdf(f.description);
    return {
      ...refOf(issue.id, issue.key),
      // Our cut ends in the note as a paragraph of its own (fit.ts).
      ...((description === CUT_NOTE || description.endsWith(`\n\n${CUT_NOTE}`)) && { descriptionCut: true }),
      fields: {
        title: f.summary ?? '',
        description,
        severity: severityFromPriority(mapping, f.priority?.name),
        status: defectStatusFrom(mapping, status.name, status.category),
        assignee: people.fromRemote('jira', f.assignee?.accountId),
        // A defect has one milestone: the issue's first fix version.
        milestone: f.fixVersions?.find((v) => v.name)?.name ?? null,
        tags: tagLabels(f.labels ?? []),
      },
      markerDefectId: (f.labels ?? []).map((l) => findMarker(l)).find((id) => id !== null) ?? null,
      updatedAt: Number.isNaN(updated.getTime()) ? new Date() : updated,
      unmappedAssignee: f.assignee?.accountId && !people.fromRemote('jira', f.assignee.accountId) ? f.assignee.accountId : null,
    };
  }

  const versions = jiraVersions(jira, call, projectKey, mapping.createVersions);

  /** `fixVersions` for a milestone (none: []); undefined, with the reason withheld, when Jira has no such version. */
  async function fixVersionsFor(milestone: string | null, withheld: WithheldChange[]): Promise<{ name: string }[] | undefined> {
    if (!milestone?.trim()) return [];
    const found = await versions.find(milestone);
    if ('name' in found) return [{ name: found.name }];
    withheld.push({ change: 'milestone', reason: found.missing });
    return undefined;
  }

  /** What a person pastes: an issue key, an issue id, or `<baseUrl>/browse/KEY-12`. */
  function parseLookup(input: string): string {
    const s = input.trim();
    if (/^\d+$/.test(s)) return s;
    let key = s;
    if (/^https?:\/\//i.test(s)) {
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        throw new TrackerError('jira', 'rejected', `"${s}" is not a valid URL`);
      }
      const base = new URL(baseUrl);
      const prefix = base.pathname.replace(/\/+$/, '');
      const m = url.pathname.match(/^(.*)\/browse\/([^/]+)\/?$/);
      if (url.origin !== base.origin || !m || m[1] !== prefix) {
        throw new TrackerError('jira', 'rejected', `"${s}" is not an issue link of ${baseUrl} (expected ${baseUrl}/browse/${projectKey}-123)`);
      }
      key = decodeURIComponent(m[2]!);
    }
    const km = key.match(/^([A-Za-z][A-Za-z0-9_]*)-(\d+)$/);
    if (!km) throw new TrackerError('jira', 'rejected', `"${s}" is not a Jira issue key, id or link (expected e.g. ${projectKey}-123)`);
    if (km[1]!.toUpperCase() !== projectKey.toUpperCase()) {
      throw new TrackerError('jira', 'rejected', `${key.toUpperCase()} is not in the configured Jira project ${projectKey}`);
    }
    return key.toUpperCase();
  }

  return {
    kind: 'jira',
    connection: options.connection ?? 'jira',
    comments: jiraComments(jira, call),

    check: (ctx) =>
      checkJira(jira, { connection: options.connection ?? 'jira', baseUrl, projectKey, issueType, createFields: options.settings.createFields ?? {}, mapping }, ctx, () =>
        transport.sendRequest({ url: '/rest/webhooks/1.0/webhook', method: 'GET' }),
      ),

    canonical(fields: TicketFields, context?: TicketContext): TicketFields {
      return {
        title: canonicalTitle(fields.title),
        // What reads back: with the footer known, the description as written beside it (cut, with a
        // note, when over Jira's limit); else its normal form.
        description: context ? descriptionFromAdf(renderDescription({ fields, context })) : normalizeDescription(fields.description),
        severity: severityFromPriority(mapping, priorityFor(mapping, fields.severity)),
        status: canonicalStatus(mapping, fields.status),
        assignee: people.fromRemote('jira', people.toRemote('jira', fields.assignee)),
        milestone: fields.milestone?.trim() || null,
        tags: tagLabels(fields.tags),
      };
    },

    async create(ticket: OutboundTicket, onCreated?: (ref: TicketRef) => Promise<void>): Promise<UpdatedTicket> {
      const { fields } = ticket;
      const withheld: WithheldChange[] = [];
      const fixVersions = await fixVersionsFor(fields.milestone, withheld);
      const accountId = people.toRemote('jira', fields.assignee);
      const attempt = { startedAt: Date.now(), refused: false };
      forgetOldAttempts(attempts, attempt.startedAt);
      attempts.set(ticket.context.defectId, [...(attempts.get(ticket.context.defectId) ?? []), attempt]);
      const created = await call(() =>
        jira.issues.createIssue({
          fields: {
            ...options.settings.createFields,
            project: { key: projectKey },
            issuetype: { name: issueType },
            summary: canonicalTitle(fields.title),
            description: renderDescription(ticket),
            priority: { name: priorityFor(mapping, fields.severity) },
            labels: [markerFor(ticket.context.defectId), ...tagLabels(fields.tags)],
            // Only with a milestone: a create screen without the Fix versions field refuses it, even empty.
            ...(fixVersions?.length && { fixVersions }),
            // Null, not left out: left out, the project's default assignee (often its lead) would
            // apply while canonical() says nobody. Jira refuses null where unassigned issues are off.
            assignee: accountId ? { accountId } : null,
          },
        }),
      ).catch((err: unknown) => {
        const status = err instanceof TrackerError ? err.status : undefined;
        attempt.refused = status !== undefined && ![502, 503, 504].includes(status);
        throw accountId ? err : explainUnassignedRefusal(err);
      });
      attempts.delete(ticket.context.defectId);
      const ref = refOf(created.id, created.key);
      const target = targetFor(mapping, fields.status);
      // A new issue sits in its workflow's initial status, which is in the 'new' category.
      if (!(target.kind === 'category' && target.category === 'new')) {
        // The engine records the issue before the follow-up call, so a failed transition (or a crash)
        // can never lead to a second issue.
        await onCreated?.(ref);
        await moveStatus(created.id, fields.status, null);
      }
      return withheld.length ? { ...ref, withheld } : ref;
    },

    async update(ref: TicketRef, ticket: OutboundTicket, changes: ReadonlySet<TicketChange>, previous: TicketFields | null = null): Promise<UpdatedTicket> {
      const { fields } = ticket;
      const withheld: WithheldChange[] = [];
      // Severity and context show in the footer. Without a description change, the footer is
      // re-rendered under what the issue holds now, so a person's edits in Jira are kept.
      const footerOnly = !changes.has('description') && (changes.has('severity') || changes.has('context'));
      // A description change is patched into what the issue holds (adf-patch.ts): the document the
      // sync's read just saw, else one read that also serves a status move.
      const seen = changes.has('description') && !changes.has('status') ? docs.get(ref.remoteId) : undefined;
      const needsDoc = footerOnly || (changes.has('description') && !seen);
      const current = needsDoc ? await getIssue(ref.remoteId, changes.has('status') ? ['description', 'status'] : ['description']) : null;
      const edit: Record<string, unknown> = {};
      if (changes.has('title')) edit.summary = canonicalTitle(fields.title);
      if (changes.has('description')) {
        const write = descriptionWrite(seen ? seen.value : current?.fields?.description, ticket);
        if ('doc' in write) edit.description = write.doc;
        else {
          withheld.push({
            change: 'description',
            reason: `the defect's description change was not written to Jira ${current?.key ?? ref.key}: ${write.refused}; make the change in Jira (or remove that content there) to bring the two together`,
          });
        }
      } else if (current) {
        const doc = withFooter(current.fields?.description, ticket);
        if (doc) edit.description = doc;
        else {
          withheld.push({
            change: 'context',
            reason: `the description written in Jira on ${current.key} leaves no room for Defect Sync's footer within Jira's 32,767 characters; the footer (severity, failing runs, link to the defect) was not updated, so as not to cut that description`,
          });
        }
      }
      if (changes.has('severity')) edit.priority = { name: priorityFor(mapping, fields.severity) };
      if (changes.has('assignee')) {
        const accountId = people.toRemote('jira', fields.assignee);
        edit.assignee = accountId ? { accountId } : null;
      }
      if (changes.has('milestone')) {
        const fixVersions = await fixVersionsFor(fields.milestone, withheld);
        if (fixVersions) edit.fixVersions = fixVersions;
      }
      // Tags as add and remove operations from what the last sync saw, so labels a person added (and the
      // marker) stay; without a snapshot, the whole set with the marker.
      const ops: Record<string, unknown> = {};
      if (changes.has('tags')) {
        const wanted = tagLabels(fields.tags);
        if (previous) {
          const had = tagLabels(previous.tags);
          const labelOps = [...wanted.filter((t) => !had.includes(t)).map((t) => ({ add: t })), ...had.filter((t) => !wanted.includes(t)).map((t) => ({ remove: t }))];
          if (labelOps.length) ops.labels = labelOps;
        } else edit.labels = [markerFor(ticket.context.defectId), ...wanted];
      }
      let key = current?.key ?? ref.key;
      if (Object.keys(edit).length || Object.keys(ops).length) {
        // Without a read or a status step to learn the key from, ask the edit to return the issue.
        const returnIssue = !current && !changes.has('status');
        const answer = await call(
          () => jira.issues.editIssue({ issueIdOrKey: ref.remoteId, fields: edit, ...(Object.keys(ops).length && { update: ops }), ...(returnIssue && { returnIssue: true }) }),
          true,
        );
        if (returnIssue) {
          const returned = (answer as unknown as { key?: unknown } | undefined)?.key;
          key = typeof returned === 'string' ? returned : (await getIssue(ref.remoteId, ['status'])).key;
        }
        // What the issue now holds, for a change that follows before the next read.
        if ('description' in edit) docs.put(ref.remoteId, edit.description);
      }
      if (changes.has('status')) {
        const issue = current ?? (await getIssue(ref.remoteId, ['status']));
        key = issue.key;
        await moveStatus(ref.remoteId, fields.status, currentStatus(issue));
      }
      const at = key === ref.key ? ref : refOf(ref.remoteId, key);
      return withheld.length ? { ...at, withheld } : at;
    },

    async read(ref: TicketRef): Promise<RemoteTicket> {
      return toRemoteTicket(await getIssue(ref.remoteId, READ_FIELDS));
    },

    async findByMarker(defectId: string, attemptStartedAt: Date, latestAttemptAt = attemptStartedAt): Promise<TicketRef | null> {
      // Labels are exact-match searchable; the oldest issue wins if a crash ever left two.
      const marker = markerFor(defectId);
      const jql = `project = "${projectKey.replace(/["\\]/g, '\\$&')}" AND labels = "${marker}" ORDER BY created ASC`;
      // reconcileIssues (read-after-write for up to 50 issue ids) cannot help: we search precisely
      // because the id of the issue an unfinished create made is not known.
      const result = await call(() => jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql, fields: ['labels'], maxResults: 10 }));
      for (const issue of result.issues ?? []) {
        const labels = (issue.fields?.labels ?? []) as unknown[];
        if (issue.id && issue.key && labels.includes(marker)) return refOf(issue.id, issue.key);
      }
      // Nothing found, but the search index lags behind creates: an issue made by the latest unfinished
      // attempt (landing as late as its deadline) may not show yet. Wait until it would, by Jira's
      // clock (this answer's Date header) and ours, whichever says less time has passed. From the
      // latest attempt, not the first: an earlier wait having passed says nothing of a later create.
      const visibleBy = latestAttemptAt.getTime() + timeoutMs + (options.settings.searchLagMs ?? INDEX_LAG_MS) + CLOCK_SLACK_MS;
      const now = Math.min(Date.now(), transport.jiraNow() ?? Date.now());
      if (now < visibleBy && !onlyRefused(attempts.get(defectId) ?? [], attemptStartedAt.getTime())) {
        throw new TrackerError(
          'jira',
          'transient',
          `waiting for Jira's search index: an issue created since ${latestAttemptAt.toISOString()} may not be searchable until ${new Date(visibleBy).toISOString()}`,
          { retryAfterMs: visibleBy - now },
        );
      }
      return null;
    },

    async fieldTimes(ref: TicketRef, fields: readonly TicketField[], remote: RemoteTicket): Promise<FieldTimes> {
      // The changelog pages oldest first: its last page holds the newest change of each field.
      const page = (startAt: number) =>
        call(() => jira.issues.getChangeLogs({ issueIdOrKey: ref.remoteId, startAt, maxResults: CHANGELOG_PAGE }), true);
      let res = await page(0);
      if ((res.total ?? 0) > CHANGELOG_PAGE) res = await page((res.total ?? 0) - CHANGELOG_PAGE);
      const times: FieldTimes = {};
      for (const history of res.values ?? []) {
        const at = history.created ? new Date(history.created) : null;
        if (!at || Number.isNaN(at.getTime())) continue;
        for (const item of history.items ?? []) {
          const field = FIELD_OF_CHANGE[item.fieldId ?? item.field ?? ''];
          if (field) times[field] = at;
        }
      }
      return Object.fromEntries(fields.map((f) => [f, times[f] ?? remote.updatedAt]));
    },

    // Linked issues moved to another project leave the project's listing but keep their links.
    pollsLinked: true,

    async changedSince(since: Date, limit: number, linked: readonly string[] = []): Promise<ChangedTicket[]> {
      // Relative minutes: JQL's absolute dates are read in the account's time zone, a relative one is not.
      const minutes = Math.max(1, Math.ceil((Date.now() - since.getTime()) / 60_000) + 1);
      const jql = `project = "${projectKey.replace(/["\\]/g, '\\$&')}" AND updated >= "-${minutes}m" ORDER BY updated ASC`;
      const out: ChangedTicket[] = [];
      let nextPageToken: string | undefined;
      do {
        const result = await call(() =>
          jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql, fields: ['updated'], maxResults: Math.min(100, limit), ...(nextPageToken && { nextPageToken }) }),
        );
        for (const issue of result.issues ?? []) {
          const updated = new Date(String((issue.fields as { updated?: string } | undefined)?.updated ?? ''));
          // The JQL window is whole minutes and a minute wider; only changes at or after `since` count
          // toward the limit, so a pass asked to start at a later instant does get further.
          if (issue.id && !Number.isNaN(updated.getTime()) && updated >= since) out.push({ remoteId: issue.id, updatedAt: updated });
        }
        nextPageToken = result.isLast === false ? (result.nextPageToken ?? undefined) : undefined;
      } while (nextPageToken && out.length < limit);
      const listed = out.slice(0, limit);
      const cut = listed.length < out.length || nextPageToken !== undefined;
      const elsewhere = await changedElsewhere(linked, since);
      // Past a listing cut short, a change elsewhere waits for the pass that reads on from there: the
      // answer must hold every change up to its newest one (contract.ts).
      const newest = listed.at(-1)?.updatedAt;
      const wanted = cut && newest ? elsewhere.filter((c) => c.updatedAt <= newest) : elsewhere;
      return [...listed, ...wanted].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    },

    async lookup(keyOrUrl: string): Promise<RemoteTicket> {
      const issue = await getIssue(parseLookup(keyOrUrl), READ_FIELDS);
      const project = (issue.fields?.project as { key?: string } | undefined)?.key;
      if (project && project !== projectKey) {
        throw new TrackerError('jira', 'rejected', `${keyOrUrl.trim()} is now ${issue.key}, outside the configured Jira project ${projectKey}`);
      }
      return toRemoteTicket(issue);
    },
  };
}

/**
 * Whether this process made the earliest unfinished create attempt (the one the engine's time names)
 * and every attempt since, and Jira refused each of them: then nothing can be waiting in the index.
 * An attempt whose outcome is unknown keeps the wait. (An attempt another process made after ours is
 * not seen here: a job hopping between processes between two attempts is the one case left open.)
 */
function onlyRefused(attempts: { startedAt: number; refused: boolean }[], attemptStartedAt: number): boolean {
  const since = attempts.filter((a) => a.startedAt >= attemptStartedAt - CLOCK_SLACK_MS);
  return since.length > 0 && since[0]!.startedAt <= attemptStartedAt + CLOCK_SLACK_MS && since.every((a) => a.refused);
}

/** Attempts older than any wait could last are dropped, so the map stays small. */
function forgetOldAttempts(attempts: Map<string, { startedAt: number }[]>, now: number): void {
  for (const [defectId, list] of attempts) if (list.every((a) => now - a.startedAt > 60 * 60_000)) attempts.delete(defectId);
}
