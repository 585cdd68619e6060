// The fake Jira's data and its validation rules, kept apart from the HTTP routes. Error texts are the
// ones Jira Cloud answers with, so connector bugs (a v2 string description, a label with a space, a
// priority or issue type the site does not have) fail here the way they would fail in production.
import { httpError } from '../kit.ts';
import { JIRA_TEXT_LIMIT, jiraSize } from '../../connectors/jira/fit.ts';

export type JiraStatusCategory = 'new' | 'indeterminate' | 'done';
export type FakeStatus = { id: string; name: string; category: JiraStatusCategory };
export type FakeTransition = { id: string; name: string; to: string /* status id */; from?: string[] /* status ids; all when absent */ };
export type FakeUser = { accountId: string; displayName: string };

export type FakeIssue = {
  id: string;
  key: string;
  projectKey: string;
  summary: string;
  description: unknown;
  issueType: string;
  priority: string | null;
  statusId: string;
  assignee: string | null;
  labels: string[];
  /** Names of the issue's fix versions (versions of its project). */
  fixVersions: string[];
  /** Component names of the issue's project (Jira: components are per project). */
  components: string[];
  /** Values of the issue type's extra create-screen fields (custom fields), by field id. */
  custom?: Record<string, unknown>;
  created: number;
  updated: number;
  /** Change history, oldest first, as GET /rest/api/3/issue/{id}/changelog pages it. */
  changelog: FakeHistory[];
};

/** A field an issue type's create screen has besides the standard ones (a custom field such as a Team). */
export type FakeCreateField = { fieldId: string; name: string; required: boolean; hasDefaultValue?: boolean; defaultValue?: unknown; schema?: Record<string, unknown> };

export type FakeHistory = { id: string; created: number; items: { field: string; fieldId: string; fromString: string | null; toString: string | null }[] };

/** Jira's changelog names for the fields the fake tracks (fieldId → display name). */
const HISTORY_FIELDS: Record<string, string> = { summary: 'summary', description: 'description', priority: 'priority', assignee: 'assignee', status: 'status', labels: 'labels', fixVersions: 'Fix Version' };

/** A project version (a release): issues name it in fixVersions; names are unique in the project. */
export type FakeVersion = { id: string; name: string; projectKey: string; released: boolean; archived: boolean };

export const DEFAULT_STATUSES: FakeStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '10001', name: 'In Progress', category: 'indeterminate' },
  { id: '10002', name: 'Done', category: 'done' },
  { id: '10003', name: "Won't Do", category: 'done' },
];

/** Jira's simplified workflow: every status reachable from every other ("global" transitions). */
export const DEFAULT_TRANSITIONS: FakeTransition[] = [
  { id: '11', name: 'To Do', to: '10000' },
  { id: '21', name: 'Start progress', to: '10001' },
  { id: '31', name: 'Done', to: '10002' },
  { id: '41', name: "Won't do", to: '10003' },
];

export const PRIORITIES = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];

const CATEGORY_IDS: Record<JiraStatusCategory, { id: number; name: string; colorName: string }> = {
  new: { id: 2, name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, name: 'Done', colorName: 'green' },
};

export const NOT_FOUND = 'Issue does not exist or you do not have permission to see it.';
const NOT_ADF = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
const TOO_LONG = 'The entered text is too long. It exceeds the allowed limit of 32,767 characters.';
const MUST_ASSIGN = 'Issues must be assigned.';

/** A 400 with Jira's field errors ({errorMessages:[], errors:{field: msg}}). */
export function fieldErrors(errors: Record<string, string>): Error {
  return Object.assign(httpError(400, Object.values(errors).join('; ')), { jiraErrors: errors });
}

/** Jira's date format: 2026-11-24T10:00:00.000+0000. */
export function jiraDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

// The node types of the ADF structure reference (developer.atlassian.com/cloud/jira/platform/apis/document/structure).
const BLOCK = new Set([
  'paragraph', 'heading', 'bulletList', 'orderedList', 'listItem', 'rule', 'codeBlock', 'blockquote', 'panel', 'table', 'tableRow',
  'tableCell', 'tableHeader', 'mediaSingle', 'media', 'mediaGroup', 'expand', 'nestedExpand', 'taskList', 'taskItem', 'decisionList',
  'decisionItem', 'layoutSection', 'layoutColumn', 'blockCard', 'embedCard', 'extension', 'bodiedExtension',
]);
const INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard', 'date', 'status', 'placeholder', 'mediaInline', 'inlineExtension']);

/** The structural rules of ADF that Jira enforces: a doc of version 1, known nodes, non-empty text. */
export function adfProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a document';
  const doc = value as { type?: unknown; version?: unknown; content?: unknown };
  if (doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) return 'root must be {type:"doc",version:1,content:[…]}';
  const walk = (node: unknown, path: string): string | null => {
    if (typeof node !== 'object' || node === null) return `${path} is not a node`;
    const n = node as { type?: unknown; text?: unknown; content?: unknown; marks?: unknown; attrs?: unknown };
    if (typeof n.type !== 'string' || (!BLOCK.has(n.type) && !INLINE.has(n.type))) return `${path} has unknown type ${String(n.type)}`;
    if (n.type === 'text' && (typeof n.text !== 'string' || n.text === '')) return `${path} is a text node without text`;
    if (n.type === 'heading' && ![1, 2, 3, 4, 5, 6].includes((n.attrs as { level?: number } | undefined)?.level ?? 0)) return `${path} heading needs attrs.level 1-6`;
    if (n.marks !== undefined && (!Array.isArray(n.marks) || n.marks.some((m) => typeof (m as { type?: unknown })?.type !== 'string'))) return `${path} has invalid marks`;
    if (n.content === undefined) return null;
    if (!Array.isArray(n.content)) return `${path}.content is not an array`;
    for (const [i, child] of n.content.entries()) {
      const problem = walk(child, `${path}.content[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
  for (const [i, child] of doc.content.entries()) {
    const problem = walk(child, `content[${i}]`);
    if (problem) return problem;
  }
  return null;
}

export type FakeStateOptions = {
  projectKey: string;
  issueTypes: string[];
  users: FakeUser[];
  statuses: FakeStatus[];
  transitions: FakeTransition[];
};

export class JiraFakeState {
  readonly projects = new Set<string>();
  /**
   * Whether the API account has the Administer Jira permission: only then may it list the admin webhooks
   * (GET /rest/webhooks/1.0/webhook; the webhook this fake delivers to is one). Off, as for a bot account.
   */
  siteAdmin = false;
  /** Each project's components by name; a create naming another is refused, as Jira does. */
  readonly components = new Map<string, Set<string>>();
  /** Each project's versions (Releases); a fixVersions naming another is refused, as Jira does. */
  readonly versions: FakeVersion[] = [];
  private nextVersionId = 10_100;
  readonly issues = new Map<string, FakeIssue>();
  /** Every key an issue ever had, so old keys keep resolving after a move, like Jira. */
  readonly keys = new Map<string, string>();
  readonly users = new Map<string, FakeUser>();
  statuses: FakeStatus[];
  transitions: FakeTransition[];
  readonly issueTypes: string[];
  /** The project's default assignee (e.g. its lead), given to an issue created without one. */
  defaultAssignee: string | null = null;
  /** Jira's "Allow unassigned issues" setting (on by default, as on Jira Cloud). */
  allowUnassigned = true;
  /** How long a new issue stays invisible to the JQL search (Jira's index lags behind writes). */
  searchLagMs = 0;
  /**
   * Extra create-screen fields per "<project key>/<issue type name>" (Jira: the field configuration and
   * screen scheme of that project and issue type). A required one without a default refuses a create that
   * leaves it out, with Jira's "<name> is required.".
   */
  readonly createScreenFields = new Map<string, FakeCreateField[]>();
  private nextId = 10000;
  private readonly counters = new Map<string, number>();
  private lastUpdate = 0;

  constructor(opts: FakeStateOptions) {
    this.projects.add(opts.projectKey);
    this.issueTypes = opts.issueTypes;
    this.statuses = opts.statuses;
    this.transitions = opts.transitions;
    for (const u of opts.users) this.users.set(u.accountId, u);
  }

  private historyIds = 0;

  /** Strictly increasing times, so every write shows as a newer `updated`. */
  now(): number {
    if (this.pinned !== undefined) {
      this.lastUpdate = this.pinned;
      this.pinned = undefined;
      return this.lastUpdate;
    }
    this.lastUpdate = Math.max(Date.now(), this.lastUpdate + 1);
    return this.lastUpdate;
  }

  /** The next write happens at exactly this instant (a test of changes made at the same moment). */
  pinNextTime(ms: number): void {
    this.pinned = ms;
  }

  private pinned: number | undefined;

  nextKey(projectKey: string): string {
    const n = (this.counters.get(projectKey) ?? 0) + 1;
    this.counters.set(projectKey, n);
    return `${projectKey}-${n}`;
  }

  find(idOrKey: string): FakeIssue {
    const id = /^\d+$/.test(idOrKey) ? idOrKey : this.keys.get(idOrKey.toUpperCase());
    const issue = id ? this.issues.get(id) : undefined;
    if (!issue) throw httpError(404, NOT_FOUND);
    return issue;
  }

  status(id: string): FakeStatus {
    const s = this.statuses.find((x) => x.id === id);
    if (!s) throw new Error(`fake jira: unknown status ${id}`);
    return s;
  }

  /** Validates and applies `fields` of a create or edit; collects every problem like Jira does. */
  applyFields(issue: FakeIssue, fields: Record<string, unknown>, creating: boolean): void {
    const errors: Record<string, string> = {};
    const extra: Record<string, unknown> = {};
    const given = (id: string) => fields[id] !== undefined && fields[id] !== null;
    const next = { ...issue };
    for (const [field, value] of Object.entries(fields)) {
      switch (field) {
        case 'project':
          if (!creating) errors.project = "Field 'project' cannot be set. It is not on the appropriate screen, or unknown.";
          else if (!this.projects.has(String((value as { key?: unknown })?.key ?? ''))) errors.project = 'valid project is required';
          else next.projectKey = String((value as { key: string }).key);
          break;
        case 'issuetype': {
          const n = (value as { name?: unknown })?.name;
          if (!creating) break;
          if (typeof n !== 'string' || !this.issueTypes.includes(n)) errors.issuetype = 'Specify a valid issue type';
          else next.issueType = n;
          break;
        }
        case 'summary':
          if (typeof value !== 'string' || value.trim() === '') errors.summary = 'You must specify a summary of the issue.';
          else if (/[\r\n]/.test(value)) errors.summary = 'The summary is invalid because it contains newline characters.';
          else if (value.length > 255) errors.summary = 'Summary must be less than 255 characters.';
          else next.summary = value;
          break;
        case 'description':
          if (value === null) next.description = null;
          else if (adfProblem(value)) errors.description = NOT_ADF;
          // Counted as conservatively as the connector counts (fit.ts): refusing a little early never hides a bug.
          else if (jiraSize(value) > JIRA_TEXT_LIMIT) errors.description = TOO_LONG;
          else next.description = structuredClone(value);
          break;
        case 'priority': {
          const n = (value as { name?: unknown })?.name;
          const p = PRIORITIES.find((x) => x.name === n);
          if (!p) errors.priority = `Priority name '${String(n)}' is not valid`;
          else next.priority = p.name;
          break;
        }
        case 'assignee': {
          if (value === null) {
            if (!this.allowUnassigned) errors.assignee = MUST_ASSIGN;
            else next.assignee = null;
            break;
          }
          const accountId = (value as { accountId?: unknown })?.accountId;
          if (typeof accountId !== 'string' || !this.users.has(accountId)) {
            errors.assignee = `User '${String(accountId)}' cannot be assigned issues.`;
          } else next.assignee = accountId;
          break;
        }
        case 'components': {
          const names = Array.isArray(value) ? value.map((c) => (c as { name?: unknown })?.name) : null;
          const known = this.components.get(next.projectKey || String((fields.project as { key?: unknown } | undefined)?.key ?? '')) ?? new Set<string>();
          const bad = names?.find((n) => typeof n !== 'string' || !known.has(n));
          if (!names) errors.components = 'data was not an array';
          else if (bad !== undefined) errors.components = `Component name '${String(bad)}' is not valid`;
          else next.components = names as string[];
          break;
        }
        case 'fixVersions': {
          const project = next.projectKey || String((fields.project as { key?: unknown } | undefined)?.key ?? '');
          if (!Array.isArray(value)) {
            errors.fixVersions = 'data was not an array';
            break;
          }
          const names: string[] = [];
          for (const v of value as { name?: unknown; id?: unknown }[]) {
            const found = this.versions.find((x) => x.projectKey === project && (v?.id !== undefined ? x.id === String(v.id) : x.name === v?.name));
            if (!found) {
              errors.fixVersions = v?.id !== undefined ? `Version id '${String(v.id)}' is not valid` : `Version name '${String(v?.name)}' is not valid`;
              break;
            }
            if (!names.includes(found.name)) names.push(found.name);
          }
          if (!errors.fixVersions) next.fixVersions = names;
          break;
        }
        case 'labels': {
          if (!Array.isArray(value) || value.some((l) => typeof l !== 'string')) {
            errors.labels = 'data was not an array';
            break;
          }
          const spaced = (value as string[]).find((l) => /\s/.test(l));
          if (spaced !== undefined) errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
          else next.labels = [...new Set(value as string[])];
          break;
        }
        default:
          // Decided after the loop: whether it is on the screen depends on the project and issue type.
          extra[field] = value;
      }
    }
    const screen = this.createScreenFields.get(`${next.projectKey}/${next.issueType}`) ?? [];
    for (const [field, value] of Object.entries(extra)) {
      if (creating && screen.some((f) => f.fieldId === field)) next.custom = { ...next.custom, [field]: value };
      else errors[field] = `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    if (creating) {
      for (const f of screen) {
        if (!f.required || given(f.fieldId)) continue;
        if (f.hasDefaultValue) next.custom = { ...next.custom, [f.fieldId]: f.defaultValue };
        else errors[f.fieldId] = `${f.name} is required.`;
      }
      // Left out, the assignee is the project's default (Jira's "Automatic"), which may be nobody.
      if (!('assignee' in fields)) {
        if (this.defaultAssignee) next.assignee = this.defaultAssignee;
        else if (!this.allowUnassigned) errors.assignee = MUST_ASSIGN;
      }
      if (!('project' in fields)) errors.project = 'Specify a valid project ID or key';
      if (!('issuetype' in fields)) errors.issuetype = 'Specify an issue type';
      if (!('summary' in fields)) errors.summary = 'You must specify a summary of the issue.';
    }
    if (Object.keys(errors).length) throw fieldErrors(errors);
    const before = { ...issue };
    Object.assign(issue, next, { updated: this.now() });
    if (!creating) this.recordHistory(before, issue);
  }

  /** Sets the status (a transition, or a person in the UI) and records it in the changelog. */
  moveTo(issue: FakeIssue, statusId: string): void {
    const before = { ...issue };
    issue.statusId = statusId;
    issue.updated = this.now();
    this.recordHistory(before, issue);
  }

  /** One changelog entry for the fields that differ between two states of an issue. */
  private recordHistory(before: FakeIssue, after: FakeIssue): void {
    const text = (field: string, i: FakeIssue): string | null => {
      switch (field) {
        case 'summary':
          return i.summary;
        case 'description':
          return i.description === null ? null : JSON.stringify(i.description);
        case 'priority':
          return i.priority;
        case 'assignee':
          return i.assignee;
        case 'status':
          return this.status(i.statusId).name;
        case 'labels':
          return i.labels.join(' ');
        case 'fixVersions':
          return i.fixVersions.join(', ') || null;
        default:
          return null;
      }
    };
    const items = Object.keys(HISTORY_FIELDS)
      .filter((f) => text(f, before) !== text(f, after))
      .map((f) => ({ field: HISTORY_FIELDS[f]!, fieldId: f, fromString: text(f, before), toString: text(f, after) }));
    if (items.length) after.changelog.push({ id: String(10_000 + this.historyIds++), created: after.updated, items });
  }

  /** The transitions Jira offers from the issue's current status (never a loop to it). */
  transitionsFor(issue: FakeIssue): FakeTransition[] {
    return this.transitions.filter((t) => t.to !== issue.statusId && (!t.from || t.from.includes(issue.statusId)));
  }

  /** The site's id of an issue type (by its place in the list; Bug is 10004 as on a new Jira Cloud site). */
  issueTypeId(name: string): string {
    return String(10004 + Math.max(0, this.issueTypes.indexOf(name)));
  }

  /**
   * The create metadata of a project's issue type, as GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}
   * lists it: the standard fields of a Jira Cloud company-managed Bug screen, the project's components, and
   * the extra fields configured for it.
   */
  createMeta(baseUrl: string, projectKey: string, issueType: string): Record<string, unknown>[] {
    const f = (fieldId: string, name: string, required: boolean, schema: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
      required,
      schema,
      name,
      key: fieldId,
      fieldId,
      hasDefaultValue: false,
      operations: ['set'],
      ...more,
    });
    const components = this.components.get(projectKey);
    return [
      f('issuetype', 'Issue Type', true, { type: 'issuetype', system: 'issuetype' }, { allowedValues: [{ self: `${baseUrl}/rest/api/3/issuetype/${this.issueTypeId(issueType)}`, id: this.issueTypeId(issueType), name: issueType, subtask: false }] }),
      f('project', 'Project', true, { type: 'project', system: 'project' }, { allowedValues: [{ self: `${baseUrl}/rest/api/3/project/${projectKey}`, key: projectKey, name: projectKey }] }),
      f('summary', 'Summary', true, { type: 'string', system: 'summary' }),
      f('description', 'Description', false, { type: 'string', system: 'description' }),
      f('reporter', 'Reporter', true, { type: 'user', system: 'reporter' }, { hasDefaultValue: true, autoCompleteUrl: `${baseUrl}/rest/api/3/user/recommend?context=Reporter&issueKey=` }),
      f('priority', 'Priority', false, { type: 'priority', system: 'priority' }, {
        hasDefaultValue: true,
        allowedValues: PRIORITIES.map((p) => ({ self: `${baseUrl}/rest/api/3/priority/${p.id}`, id: p.id, name: p.name })),
        defaultValue: { self: `${baseUrl}/rest/api/3/priority/3`, id: '3', name: 'Medium' },
      }),
      f('labels', 'Labels', false, { type: 'array', items: 'string', system: 'labels' }, { operations: ['add', 'set', 'remove'], autoCompleteUrl: `${baseUrl}/rest/api/1.0/labels/suggest?query=` }),
      f('assignee', 'Assignee', false, { type: 'user', system: 'assignee' }, { autoCompleteUrl: `${baseUrl}/rest/api/3/user/assignable/search?project=${projectKey}&query=` }),
      ...(components ? [f('components', 'Components', false, { type: 'array', items: 'component', system: 'components' }, { operations: ['add', 'set', 'remove'], allowedValues: [...components].map((name) => ({ name })) })] : []),
      ...(this.createScreenFields.get(`${projectKey}/${issueType}`) ?? []).map((c) =>
        f(c.fieldId, c.name, c.required, c.schema ?? { type: 'option', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select', customId: Number(c.fieldId.replace(/\D/g, '')) || 0 }, {
          hasDefaultValue: c.hasDefaultValue ?? false,
          ...(c.hasDefaultValue && { defaultValue: c.defaultValue }),
        }),
      ),
    ];
  }

  statusJson(baseUrl: string, s: FakeStatus): Record<string, unknown> {
    const c = CATEGORY_IDS[s.category];
    return {
      self: `${baseUrl}/rest/api/3/status/${s.id}`,
      description: '',
      iconUrl: `${baseUrl}/images/icons/statuses/generic.png`,
      name: s.name,
      untranslatedName: s.name,
      id: s.id,
      statusCategory: { self: `${baseUrl}/rest/api/3/statuscategory/${c.id}`, id: c.id, key: s.category, colorName: c.colorName, name: c.name },
    };
  }

  /** An issue as GET /rest/api/3/issue answers, restricted to the requested fields (all when none). */
  issueJson(baseUrl: string, issue: FakeIssue, requested: string[] | null): Record<string, unknown> {
    const user = issue.assignee ? this.users.get(issue.assignee) : undefined;
    const priority = PRIORITIES.find((p) => p.name === issue.priority);
    const all: Record<string, unknown> = {
      summary: issue.summary,
      description: issue.description ?? null,
      issuetype: { self: `${baseUrl}/rest/api/3/issuetype/${this.issueTypeId(issue.issueType)}`, id: this.issueTypeId(issue.issueType), name: issue.issueType, subtask: false },
      project: { self: `${baseUrl}/rest/api/3/project/${issue.projectKey}`, id: '10000', key: issue.projectKey, name: issue.projectKey, projectTypeKey: 'software' },
      priority: priority ? { self: `${baseUrl}/rest/api/3/priority/${priority.id}`, id: priority.id, name: priority.name, iconUrl: `${baseUrl}/images/icons/priorities/${priority.name.toLowerCase()}.svg` } : null,
      status: this.statusJson(baseUrl, this.status(issue.statusId)),
      assignee: user
        ? { self: `${baseUrl}/rest/api/3/user?accountId=${user.accountId}`, accountId: user.accountId, displayName: user.displayName, active: true, accountType: 'atlassian', timeZone: 'Etc/UTC' }
        : null,
      labels: [...issue.labels],
      fixVersions: issue.fixVersions.map((name) => this.versionJson(baseUrl, this.versions.find((v) => v.projectKey === issue.projectKey && v.name === name)!)),
      components: issue.components.map((name) => ({ self: `${baseUrl}/rest/api/3/component/${name}`, name })),
      created: jiraDate(issue.created),
      updated: jiraDate(issue.updated),
    };
    const wanted = !requested || requested.some((f) => f === '*all' || f === '*navigable') ? Object.keys(all) : requested;
    const fields = Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]]));
    return { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: issue.id, self: `${baseUrl}/rest/api/3/issue/${issue.id}`, key: issue.key, fields };
  }

  versionJson(baseUrl: string, v: FakeVersion): Record<string, unknown> {
    return { self: `${baseUrl}/rest/api/3/version/${v.id}`, id: v.id, name: v.name, archived: v.archived, released: v.released, projectId: 10000 + [...this.projects].indexOf(v.projectKey) };
  }

  /** POST /rest/api/3/version: a new version of a project (named by `project` key or `projectId`). */
  createVersion(input: { name?: unknown; project?: unknown; projectId?: unknown }): FakeVersion {
    // Project ids are 10000, 10001… in the order the projects were made (as GET /project/{key} shows them).
    const projectKey = typeof input.project === 'string' ? input.project : [...this.projects].find((_, i) => String(10000 + i) === String(input.projectId));
    if (!projectKey || !this.projects.has(projectKey)) throw fieldErrors({ project: 'Project must be specified to create a version.' });
    if (typeof input.name !== 'string' || !input.name.trim()) throw fieldErrors({ name: 'You must specify a valid version name' });
    if (input.name.length > 255) throw fieldErrors({ name: 'The version name must not exceed 255 characters.' });
    if (this.versions.some((v) => v.projectKey === projectKey && v.name.toLowerCase() === String(input.name).toLowerCase())) {
      throw fieldErrors({ name: 'A version with this name already exists in this project.' });
    }
    const v: FakeVersion = { id: String(this.nextVersionId++), name: input.name, projectKey, released: false, archived: false };
    this.versions.push(v);
    return v;
  }

  /**
   * The `update` part of an edit: add and remove operations per field (labels and fixVersions here), applied
   * through the same field rules as `fields`. Jira refuses a field named in both.
   */
  applyUpdate(issue: FakeIssue, fields: Record<string, unknown>, update: Record<string, unknown>): void {
    const both = Object.keys(update).find((f) => f in fields);
    if (both) throw fieldErrors({ [both]: `Field '${both}' cannot be set in both 'fields' and 'update'.` }); // approximated
    const next: Record<string, unknown> = { ...fields };
    for (const [field, ops] of Object.entries(update)) {
      if (field !== 'labels' && field !== 'fixVersions') throw fieldErrors({ [field]: `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.` });
      if (!Array.isArray(ops)) throw fieldErrors({ [field]: 'data was not an array' });
      const key = (x: unknown) => (field === 'labels' ? x : (x as { name?: unknown })?.name);
      let values: unknown[] = field === 'labels' ? [...issue.labels] : issue.fixVersions.map((name) => ({ name }));
      for (const op of ops as Record<string, unknown>[]) {
        if ('set' in op) values = op['set'] as unknown[];
        else if ('add' in op) values = values.some((v) => key(v) === key(op['add'])) ? values : [...values, op['add']];
        else if ('remove' in op) values = values.filter((v) => key(v) !== key(op['remove']));
        else throw fieldErrors({ [field]: `Operation '${Object.keys(op)[0]}' is not supported` }); // approximated
      }
      next[field] = values;
    }
    this.applyFields(issue, next, false);
  }

  createIssue(fields: Record<string, unknown>): FakeIssue {
    const created = this.now();
    const draft: FakeIssue = {
      id: '',
      key: '',
      projectKey: '',
      summary: '',
      description: null,
      issueType: '',
      priority: 'Medium',
      statusId: this.statuses.find((s) => s.category === 'new')?.id ?? this.statuses[0]!.id,
      assignee: null,
      labels: [],
      fixVersions: [],
      components: [],
      created,
      updated: created,
      changelog: [],
    };
    this.applyFields(draft, fields, true);
    draft.id = String(this.nextId++);
    draft.key = this.nextKey(draft.projectKey);
    this.issues.set(draft.id, draft);
    this.keys.set(draft.key, draft.id);
    return draft;
  }
}
