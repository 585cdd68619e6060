// Shared builders for the GitHub connector tests.
import type { Connector } from '../../../connectors/contract.ts';
import { People } from '../../../connectors/people.ts';
import { createGithubConnector, type GithubAppCredential, type GithubCredential } from '../../../connectors/github/connector.ts';
import { githubMappingSchema } from '../../../connectors/github/mapping.ts';

export const OTHER_DEFECT_ID = '5d6e7f80-1111-4222-8333-944455556666';
export const TOKEN = 'ghp_secretTestToken123';

export const people = new People([
  { email: 'ann@example.com', github: 'ann-gh' },
  { email: 'bob@example.com', github: 'bob-gh' },
  { email: 'cy@example.com', jira: 'acc-9' },
]);

/** A connector on acme/app at api.github.com with TOKEN, unless told otherwise (`app`: a GitHub App instead). */
export function connector(
  settings: { repository?: string; apiUrl?: string; token?: string; app?: GithubAppCredential } = {},
  opts: { timeoutMs?: number; mapping?: unknown; onCall?: (status: number | 'network' | 'timeout') => void } = {},
): Connector {
  const { token, app, ...where } = settings;
  const credential: GithubCredential = app ? { app } : { token: token ?? TOKEN };
  return createGithubConnector({
    settings: { repository: 'acme/app', apiUrl: 'https://api.github.com', ...where, ...credential },
    mapping: githubMappingSchema.parse(opts.mapping ?? {}),
    people,
    ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
    ...(opts.onCall && { onCall: opts.onCall }),
  });
}

/** A GitHub issue object as api.github.com returns it (the fields the connector reads, plus a few). */
export function issueJson(over: Partial<{
  number: number;
  repo: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  assignees: string[];
  updated_at: string;
  pull_request: boolean;
}> = {}): Record<string, unknown> {
  const n = over.number ?? 12;
  const repo = over.repo ?? 'acme/app';
  return {
    url: `https://api.github.com/repos/${repo}/issues/${n}`,
    repository_url: `https://api.github.com/repos/${repo}`,
    html_url: `https://github.com/${repo}/${over.pull_request ? 'pull' : 'issues'}/${n}`,
    id: 2_000_000 + n,
    node_id: `I_kw${n}`,
    number: n,
    title: over.title ?? 'Login fails on Safari',
    user: { login: 'defect-sync-bot', id: 1 },
    labels: (over.labels ?? ['severity: high']).map((name, i) => ({ id: 100 + i, name, color: 'ededed', default: false, description: null })),
    state: over.state ?? 'open',
    state_reason: over.state_reason ?? null,
    locked: false,
    assignee: over.assignees?.[0] ? { login: over.assignees[0], id: 5 } : null,
    assignees: (over.assignees ?? []).map((login, i) => ({ login, id: 5 + i })),
    comments: 0,
    created_at: '2026-11-24T10:00:00Z',
    updated_at: over.updated_at ?? '2026-11-24T10:00:00Z',
    closed_at: over.state === 'closed' ? '2026-11-24T10:00:00Z' : null,
    body: over.body === undefined ? null : over.body,
    ...(over.pull_request && { pull_request: { url: `https://api.github.com/repos/${repo}/pulls/${n}` } }),
  };
}

export { DEFECT_ID, ticket, trackerError } from '../shared.ts';
