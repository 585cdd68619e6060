// The Jira Cloud connector, on jira.js 6 (REST API v3). Issues are addressed by their numeric id, which
// survives a move to another project; the key is re-read from Jira on every write so a changed key
// reaches the engine. The idempotency marker is a label, found through the enhanced JQL search.
import { createCloudClient, type CloudClient } from 'jira.js';
import { createClient, type Client } from 'jira.js/core';
import type { Issue, IssueTransition } from 'jira.js/cloud';
import type { Connector, OutboundTicket, RemoteTicket, TicketChange, TicketFields, TicketRef } from '../contract.ts';
import type { DefectStatus } from '../../src/domain/lifecycle.ts';
import { TrackerError } from '../errors.ts';
import { findMarker, markerFor } from '../marker.ts';
import type { People } from '../people.ts';
import { descriptionFromAdf, normalizeDescription, renderDescription } from './adf.ts';
import { toTrackerError } from './errors.ts';
import {
  canonicalStatus,
  canonicalTitle,
  defectStatusFrom,
  priorityFor,
  severityFromPriority,
  statusMatches,
  targetFor,
  USUAL_STATUS_NAME,
  type JiraMapping,
  type StatusTarget,
} from './mapping.ts';

export type JiraSettings = { baseUrl: string; email: string; apiToken: string; projectKey: string; issueType: string };

export type JiraConnectorOptions = { settings: JiraSettings; mapping: JiraMapping; people: People; timeoutMs?: number };

const READ_FIELDS = ['summary', 'description', 'priority', 'status', 'assignee', 'labels', 'updated', 'project'];

type CurrentStatus = { name: string | undefined; category: string | undefined };

/**
 * jira.js 6 has no timeout or AbortSignal option (it calls the global fetch itself), so the deadline
 * is enforced around each request: the caller gets a 'transient' error on time, while the abandoned
 * fetch is left to finish or fail on its own, its outcome ignored.
 */
function withDeadline(inner: Client, timeoutMs: number): Client {
  return {
    sendRequest<T>(options: Parameters<Client['sendRequest']>[0]): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new TrackerError('jira', 'transient', `jira did not answer ${options.method ?? 'GET'} ${options.url} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        (inner.sendRequest(options) as Promise<T>).then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
  };
}

export function createJiraConnector(options: JiraConnectorOptions): Connector {
  const { mapping, people } = options;
  const baseUrl = options.settings.baseUrl.replace(/\/+$/, '');
  const projectKey = options.settings.projectKey;
  const issueType = options.settings.issueType || 'Bug';
  // No `retry` option: jira.js then makes exactly one attempt; the engine's queue owns retries.
  const transport = createClient({ host: baseUrl, auth: { type: 'basic', email: options.settings.email, apiToken: options.settings.apiToken } });
  const jira: CloudClient = createCloudClient(withDeadline(transport, options.timeoutMs ?? 15_000));

  async function call<T>(fn: () => Promise<T>, onTicket = false): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toTrackerError(err, { onTicket });
    }
  }

  const refOf = (remoteId: string, key: string): TicketRef => ({ remoteId, key, url: `${baseUrl}/browse/${key}` });

  async function getIssue(idOrKey: string, fields: string[]): Promise<Issue & { id: string; key: string }> {
    const issue = await call(() => jira.issues.getIssue({ issueIdOrKey: idOrKey, fields }), true);
    if (!issue.id || !issue.key) throw new TrackerError('jira', 'transient', `jira answered issue ${idOrKey} without an id or key`);
    return issue as Issue & { id: string; key: string };
  }

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
      updated?: string;
    };
    const status = currentStatus(issue);
    const updated = f.updated ? new Date(f.updated) : new Date(Number.NaN);
    return {
      ...refOf(issue.id, issue.key),
      fields: {
        title: f.summary ?? '',
        description: descriptionFromAdf(f.description),
        severity: severityFromPriority(mapping, f.priority?.name),
        status: defectStatusFrom(mapping, status.name, status.category),
        assignee: people.fromRemote('jira', f.assignee?.accountId),
      },
      markerDefectId: (f.labels ?? []).map((l) => findMarker(l)).find((id) => id !== null) ?? null,
      updatedAt: Number.isNaN(updated.getTime()) ? new Date() : updated,
    };
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

    canonical(fields: TicketFields): TicketFields {
      return {
        title: canonicalTitle(fields.title),
        description: normalizeDescription(fields.description),
        severity: severityFromPriority(mapping, priorityFor(mapping, fields.severity)),
        status: canonicalStatus(mapping, fields.status),
        assignee: people.fromRemote('jira', people.toRemote('jira', fields.assignee)),
      };
    },

    async create(ticket: OutboundTicket): Promise<TicketRef> {
      const { fields } = ticket;
      const accountId = people.toRemote('jira', fields.assignee);
      const created = await call(() =>
        jira.issues.createIssue({
          fields: {
            project: { key: projectKey },
            issuetype: { name: issueType },
            summary: canonicalTitle(fields.title),
            description: renderDescription(ticket),
            priority: { name: priorityFor(mapping, fields.severity) },
            labels: [markerFor(ticket.context.defectId)],
            // Left out rather than null when unassigned: projects that require an assignee refuse null.
            ...(accountId && { assignee: { accountId } }),
          },
        }),
      );
      const target = targetFor(mapping, fields.status);
      // A new issue sits in its workflow's initial status, which is in the 'new' category.
      if (!(target.kind === 'category' && target.category === 'new')) await moveStatus(created.id, fields.status, null);
      return refOf(created.id, created.key);
    },

    async update(ref: TicketRef, ticket: OutboundTicket, changes: ReadonlySet<TicketChange>): Promise<TicketRef> {
      const { fields } = ticket;
      const edit: Record<string, unknown> = {};
      if (changes.has('title')) edit.summary = canonicalTitle(fields.title);
      // Severity is shown in the footer, so a severity change re-renders the description too.
      if (changes.has('description') || changes.has('severity') || changes.has('context')) edit.description = renderDescription(ticket);
      if (changes.has('severity')) edit.priority = { name: priorityFor(mapping, fields.severity) };
      if (changes.has('assignee')) {
        const accountId = people.toRemote('jira', fields.assignee);
        edit.assignee = accountId ? { accountId } : null;
      }
      let key = ref.key;
      if (Object.keys(edit).length) {
        // Without a status step to read the key from, ask the edit to return the issue (its key).
        const returnIssue = !changes.has('status');
        const answer = await call(
          () => jira.issues.editIssue({ issueIdOrKey: ref.remoteId, fields: edit, ...(returnIssue && { returnIssue: true }) }),
          true,
        );
        if (returnIssue) {
          const returned = (answer as unknown as { key?: unknown } | undefined)?.key;
          key = typeof returned === 'string' ? returned : (await getIssue(ref.remoteId, ['status'])).key;
        }
      }
      if (changes.has('status')) {
        const issue = await getIssue(ref.remoteId, ['status']);
        key = issue.key;
        await moveStatus(ref.remoteId, fields.status, currentStatus(issue));
      }
      return key === ref.key ? ref : refOf(ref.remoteId, key);
    },

    async read(ref: TicketRef): Promise<RemoteTicket> {
      return toRemoteTicket(await getIssue(ref.remoteId, READ_FIELDS));
    },

    async findByMarker(defectId: string): Promise<TicketRef | null> {
      // Labels are exact-match searchable; the oldest issue wins if a crash ever left two.
      const marker = markerFor(defectId);
      const jql = `project = "${projectKey.replace(/["\\]/g, '\\$&')}" AND labels = "${marker}" ORDER BY created ASC`;
      const result = await call(() => jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql, fields: ['labels'], maxResults: 10 }));
      for (const issue of result.issues ?? []) {
        const labels = (issue.fields?.labels ?? []) as unknown[];
        if (issue.id && issue.key && labels.includes(marker)) return refOf(issue.id, issue.key);
      }
      return null;
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
