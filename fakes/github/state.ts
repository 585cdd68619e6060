// The fake GitHub's data: repositories, their issues (and pull requests, which share the numbering),
// labels, collaborators. Rules GitHub applies to writes live here; HTTP shapes live in server.ts.
import { httpError } from '../kit.ts';

export type FakeLabel = { id: number; name: string; color: string };

/** A repository milestone: issues refer to it by number; titles are unique in the repository. */
export type FakeMilestone = { id: number; number: number; title: string; state: 'open' | 'closed'; created_at: string; updated_at: string };

export type FakeIssue = {
  id: number;
  number: number;
  repoId: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: StateReason | null;
  labels: FakeLabel[];
  assignees: string[];
  /** The milestone's number, or null. */
  milestone: number | null;
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  isPullRequest: boolean;
  deleted: boolean;
  /** Set by a transfer: where GitHub redirects. */
  movedTo: { repoId: number; number: number } | null;
  /** The issue's timeline of field changes, as GET …/issues/{n}/events lists them (oldest first). */
  events: FakeIssueEvent[];
};

export type FakeIssueEvent = {
  id: number;
  event: 'renamed' | 'closed' | 'reopened' | 'labeled' | 'unlabeled' | 'assigned' | 'unassigned' | 'milestoned' | 'demilestoned';
  created_at: string;
  milestone?: { title: string };
  label?: { name: string; color: string };
  assignee?: string;
  rename?: { from: string; to: string };
};

export type FakeRepo = {
  id: number;
  owner: string;
  name: string;
  nextNumber: number;
  labels: FakeLabel[];
  milestones: FakeMilestone[];
  /** Repository settings GET /repos/{owner}/{repo} shows (Issues on, not archived, unless a test says otherwise). */
  hasIssues?: boolean;
  archived?: boolean;
  /** Webhooks configured on the repository besides the one the fake delivers to (GET /repos/{owner}/{repo}/hooks). */
  hooks?: FakeHook[];
};

export type FakeHook = { id: number; url: string; active: boolean; events: string[] };

export const STATE_REASONS = ['completed', 'not_planned', 'duplicate', 'reopened'] as const;
export type StateReason = (typeof STATE_REASONS)[number];

export type IssueWrite = {
  title?: unknown;
  body?: unknown;
  state?: unknown;
  state_reason?: unknown;
  labels?: unknown;
  assignees?: unknown;
  milestone?: unknown;
};

export class GithubFakeState {
  readonly repos: FakeRepo[] = [];
  readonly issues: FakeIssue[] = [];
  /** Logins that may be assigned (GitHub: people with access to the repository). */
  readonly collaborators = new Set<string>();
  /**
   * Whether the token may set labels and assignees. GitHub silently drops them, answering 2xx, for
   * a token without push (triage) access: "Labels are silently dropped otherwise".
   */
  pushAccess = true;
  /**
   * Whether the token may read the repository's webhooks: GitHub answers 404 to GET …/hooks without admin
   * access (classic scope admin:repo_hook, fine-grained "Webhooks: read").
   */
  hookAccess = true;
  private nextId = 1_000_001;
  private nextLabelId = 5_000_001;
  private readonly now: () => number;
  private readonly login: string;

  constructor(opts: { login: string; collaborators: readonly string[]; now: () => number }) {
    this.login = opts.login;
    this.now = opts.now;
    for (const c of [opts.login, ...opts.collaborators]) this.collaborators.add(c.toLowerCase());
  }

  /** GitHub timestamps have whole-second resolution. */
  timestamp(): string {
    return new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  repo(fullName: string, create = false): FakeRepo | undefined {
    const [owner = '', name = ''] = fullName.split('/');
    const found = this.repos.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
    if (found || !create) return found;
    const repo = { id: 700_000 + this.repos.length + 1, owner, name, nextNumber: 1, labels: [], milestones: [] };
    this.repos.push(repo);
    return repo;
  }

  repoById(id: number): FakeRepo | undefined {
    return this.repos.find((r) => r.id === id);
  }

  issue(repo: FakeRepo, number: number): FakeIssue | undefined {
    return this.issues.find((i) => i.repoId === repo.id && i.number === number);
  }

  create(repo: FakeRepo, input: IssueWrite, opts: { pullRequest?: boolean } = {}): FakeIssue {
    if (input.title === undefined) throw invalidRequest(`"title" wasn't supplied.`);
    const title = checkTitle(input.title);
    const at = this.timestamp();
    const issue: FakeIssue = {
      id: this.nextId++,
      number: repo.nextNumber++,
      repoId: repo.id,
      title,
      body: checkBody(input.body),
      state: 'open',
      state_reason: null,
      labels: input.labels === undefined || !this.pushAccess ? [] : this.labelsFor(repo, input.labels),
      assignees: input.assignees === undefined || !this.pushAccess ? [] : this.assigneesFor(input.assignees),
      milestone: input.milestone === undefined || input.milestone === null || !this.pushAccess ? null : this.milestoneFor(repo, input.milestone),
      user: this.login,
      created_at: at,
      updated_at: at,
      closed_at: null,
      isPullRequest: opts.pullRequest ?? false,
      deleted: false,
      movedTo: null,
      events: [],
    };
    this.issues.push(issue);
    return issue;
  }

  /** PATCH semantics: only the given properties change; all are validated before any is applied. */
  update(repo: FakeRepo, issue: FakeIssue, input: IssueWrite): FakeIssue {
    const next: Partial<FakeIssue> = {};
    if (input.title !== undefined) next.title = checkTitle(input.title);
    if (input.body !== undefined) next.body = checkBody(input.body);
    if (input.labels !== undefined && this.pushAccess) next.labels = this.labelsFor(repo, input.labels);
    if (input.assignees !== undefined && this.pushAccess) next.assignees = this.assigneesFor(input.assignees);
    if (input.milestone !== undefined && this.pushAccess) next.milestone = input.milestone === null ? null : this.milestoneFor(repo, input.milestone);
    if (input.state_reason !== undefined && input.state_reason !== null && !STATE_REASONS.includes(input.state_reason as StateReason)) {
      throw invalidRequest(`For 'properties/state_reason', ${inspect(input.state_reason)} is not one of ${STATE_REASONS.map((s) => `"${s}"`).join(', ')}.`);
    }
    if (input.state !== undefined) {
      if (input.state !== 'open' && input.state !== 'closed') {
        throw invalidRequest(`For 'properties/state', ${inspect(input.state)} is not one of "open", "closed".`);
      }
      // GitHub ignores state_reason unless the state changes.
      if (input.state !== issue.state) {
        const reason = (input.state_reason ?? null) as StateReason | null;
        if (input.state === 'closed') {
          if (reason === 'reopened') throw validationFailed({ resource: 'Issue', field: 'state_reason', code: 'invalid', value: reason });
          next.state = 'closed';
          next.state_reason = reason ?? 'completed';
          next.closed_at = this.timestamp();
        } else {
          next.state = 'open';
          next.state_reason = 'reopened';
          next.closed_at = null;
        }
      }
    }
    const changed = (Object.keys(next) as (keyof FakeIssue)[]).some((k) => JSON.stringify(next[k]) !== JSON.stringify(issue[k]));
    const before = structuredClone(issue);
    Object.assign(issue, next);
    if (changed) {
      issue.updated_at = this.timestamp();
      this.recordEvents(before, issue);
    }
    return issue;
  }

  /** POST …/labels: adds to the existing labels (created on first use); the body is {labels} or a bare array. */
  addLabels(repo: FakeRepo, issue: FakeIssue, input: unknown): FakeLabel[] {
    const names = Array.isArray(input) ? input : (input as { labels?: unknown } | null)?.labels;
    if (!this.pushAccess) return issue.labels;
    const added = this.labelsFor(repo, names ?? []);
    this.touch(issue, [...issue.labels, ...added.filter((l) => !issue.labels.includes(l))], 'labels');
    return issue.labels;
  }

  /** DELETE …/labels/{name}: the remaining labels, or GitHub's 404 when the issue does not carry it. */
  removeLabel(issue: FakeIssue, name: string): FakeLabel[] {
    const label = issue.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (!label) throw httpError(404, 'Label does not exist');
    if (this.pushAccess) this.touch(issue, issue.labels.filter((l) => l !== label), 'labels');
    return issue.labels;
  }

  /**
   * POST …/assignees: adds up to 10, keeping those already assigned. Logins that cannot be assigned
   * are silently ignored (unlike PATCH, which answers 422), and so is everything without push access.
   */
  addAssignees(issue: FakeIssue, input: unknown): FakeIssue {
    const logins = this.loginsOf(input, false);
    if (logins.length > 10) throw validationFailed({ resource: 'Issue', field: 'assignees', code: 'invalid', value: logins });
    const assignable = logins.filter((l) => this.collaborators.has(l.toLowerCase()) && !issue.assignees.some((a) => a.toLowerCase() === l.toLowerCase()));
    if (this.pushAccess) this.touch(issue, [...issue.assignees, ...new Set(assignable)], 'assignees');
    return issue;
  }

  /** DELETE …/assignees: removes the named logins (`assignees` is required). */
  removeAssignees(issue: FakeIssue, input: unknown): FakeIssue {
    const logins = this.loginsOf(input, true).map((l) => l.toLowerCase());
    if (this.pushAccess) this.touch(issue, issue.assignees.filter((a) => !logins.includes(a.toLowerCase())), 'assignees');
    return issue;
  }

  private loginsOf(input: unknown, required: boolean): string[] {
    const logins = (input as { assignees?: unknown } | null)?.assignees;
    if (logins === undefined && !required) return [];
    if (logins === undefined) throw invalidRequest(`"assignees" wasn't supplied.`);
    if (!Array.isArray(logins) || logins.some((l) => typeof l !== 'string')) {
      throw invalidRequest(`For 'properties/assignees', ${inspect(logins)} is not an array of strings.`);
    }
    return logins as string[];
  }

  /** Sets labels or assignees; a real change bumps updated_at. */
  private touch<K extends 'labels' | 'assignees'>(issue: FakeIssue, value: FakeIssue[K], key: K): void {
    if (JSON.stringify(value) === JSON.stringify(issue[key])) return;
    const before = structuredClone(issue);
    issue[key] = value;
    issue.updated_at = this.timestamp();
    this.recordEvents(before, issue);
  }

  /** The events GitHub records for what changed between two states of an issue (body edits have none). */
  private recordEvents(before: FakeIssue, after: FakeIssue): void {
    const at = after.updated_at;
    const add = (e: Omit<FakeIssueEvent, 'id' | 'created_at'>) => after.events.push({ id: this.nextId++, created_at: at, ...e });
    if (before.title !== after.title) add({ event: 'renamed', rename: { from: before.title, to: after.title } });
    if (before.state !== after.state) add({ event: after.state === 'closed' ? 'closed' : 'reopened' });
    const names = (ls: FakeLabel[]) => ls.map((l) => l.name.toLowerCase());
    for (const l of after.labels) if (!names(before.labels).includes(l.name.toLowerCase())) add({ event: 'labeled', label: { name: l.name, color: l.color } });
    for (const l of before.labels) if (!names(after.labels).includes(l.name.toLowerCase())) add({ event: 'unlabeled', label: { name: l.name, color: l.color } });
    const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
    for (const a of after.assignees) if (!lower(before.assignees).includes(a.toLowerCase())) add({ event: 'assigned', assignee: a });
    for (const a of before.assignees) if (!lower(after.assignees).includes(a.toLowerCase())) add({ event: 'unassigned', assignee: a });
    if (before.milestone !== after.milestone) {
      const repo = this.repoById(after.repoId)!;
      const title = (n: number) => repo.milestones.find((m) => m.number === n)?.title ?? '';
      if (before.milestone !== null) add({ event: 'demilestoned', milestone: { title: title(before.milestone) } });
      if (after.milestone !== null) add({ event: 'milestoned', milestone: { title: title(after.milestone) } });
    }
  }

  /** POST …/milestones: a new milestone; a title already used in the repository (any state, any case) is a 422. */
  createMilestone(repo: FakeRepo, input: unknown): FakeMilestone {
    const title = (input as { title?: unknown } | null)?.title;
    if (title === undefined) throw invalidRequest(`"title" wasn't supplied.`);
    if (typeof title !== 'string') throw invalidRequest(`For 'properties/title', ${inspect(title)} is not a string.`);
    if (!title.trim()) throw validationFailed({ resource: 'Milestone', code: 'missing_field', field: 'title' });
    if (repo.milestones.some((m) => m.title.toLowerCase() === title.toLowerCase())) throw validationFailed({ resource: 'Milestone', code: 'already_exists', field: 'title' });
    const state = (input as { state?: unknown }).state ?? 'open';
    if (state !== 'open' && state !== 'closed') throw invalidRequest(`For 'properties/state', ${inspect(state)} is not one of "open", "closed".`);
    const at = this.timestamp();
    const m: FakeMilestone = { id: this.nextId++, number: repo.milestones.length + 1, title, state, created_at: at, updated_at: at };
    repo.milestones.push(m);
    return m;
  }

  /** An issue's `milestone`: the number of one of the repository's milestones (GitHub answers 422 otherwise). */
  private milestoneFor(repo: FakeRepo, input: unknown): number {
    if (typeof input !== 'number' && typeof input !== 'string') throw invalidRequest(`For 'properties/milestone', ${inspect(input)} is not an integer or null.`);
    const n = Number(input);
    if (!repo.milestones.some((m) => m.number === n)) throw validationFailed({ value: input, resource: 'Issue', field: 'milestone', code: 'invalid' });
    return n;
  }

  transfer(issue: FakeIssue, target: FakeRepo): FakeIssue {
    const moved: FakeIssue = { ...issue, repoId: target.id, number: target.nextNumber++, labels: [], milestone: null, updated_at: this.timestamp() };
    // Labels travel by name: the target repository gets its own label objects.
    moved.labels = this.labelsFor(target, issue.labels.map((l) => l.name));
    this.issues.push(moved);
    issue.movedTo = { repoId: target.id, number: moved.number };
    return moved;
  }

  /** Label names become the repository's labels, created on first use (as GitHub does for writers). */
  private labelsFor(repo: FakeRepo, input: unknown): FakeLabel[] {
    if (!Array.isArray(input)) throw invalidRequest(`For 'properties/labels', ${inspect(input)} is not an array.`);
    const out: FakeLabel[] = [];
    for (const item of input) {
      const name = typeof item === 'string' ? item : (item as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || !name.trim()) {
        throw validationFailed({ resource: 'Label', field: 'name', code: 'missing_field' });
      }
      // GitHub's label names are at most 50 characters.
      if (Array.from(name).length > 50) throw validationFailed({ resource: 'Label', field: 'name', code: 'invalid', value: name });
      let label = repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
      if (!label) {
        label = { id: this.nextLabelId++, name, color: 'ededed' };
        repo.labels.push(label);
      }
      if (!out.includes(label)) out.push(label);
    }
    return out;
  }

  private assigneesFor(input: unknown): string[] {
    if (!Array.isArray(input)) throw invalidRequest(`For 'properties/assignees', ${inspect(input)} is not an array.`);
    if (input.length > 10) throw validationFailed({ resource: 'Issue', field: 'assignees', code: 'invalid', value: input });
    for (const login of input) {
      if (typeof login !== 'string' || !this.collaborators.has(login.toLowerCase())) {
        throw validationFailed({ value: login, resource: 'Issue', field: 'assignees', code: 'invalid' });
      }
    }
    return [...new Set(input as string[])];
  }
}

function checkTitle(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidRequest(`For 'properties/title', ${inspect(value)} is not a string or integer.`);
  const title = String(value);
  if (!title.trim()) throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' });
  if (title.length > 256) throw validationFailed({ resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' });
  return title;
}

function checkBody(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidRequest(`For 'properties/body', ${inspect(value)} is not a string or null.`);
  // GitHub counts characters (code points): an emoji is one, not the two UTF-16 units of .length.
  if (Array.from(value).length > 65_536) throw validationFailed({ resource: 'Issue', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' });
  return value;
}

/** Ruby-style rendering GitHub uses in schema errors (nil for null). */
function inspect(value: unknown): string {
  return value === null ? 'nil' : JSON.stringify(value);
}

/** GitHub's schema-level 422 ("Invalid request."), thrown from state rules. */
export function invalidRequest(detail: string): Error {
  return Object.assign(httpError(422, `Invalid request.\n\n${detail}`), { kind: 'invalid_request' as const });
}

/** GitHub's field-level 422: "Validation Failed" with an errors[] entry. */
export function validationFailed(error: Record<string, unknown>): Error {
  return Object.assign(httpError(422, 'Validation Failed'), { errors: [error] });
}
