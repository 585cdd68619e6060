// A local Jira Cloud (REST API v3) for tests: the slice of the API the connector uses, with Jira's
// paths, status codes, error bodies and Basic auth, built on the shared fakes/kit.ts. Route names follow
// the cross-tracker convention: ticket.create / ticket.update / ticket.get / ticket.find, and
// transition.list / transition.do for status moves.
import { FakeTracker, httpError, type FakeRequest, type FakeResponse, type Route } from '../kit.ts';
import { FakeWebhookSender, jiraDelivery, type Delivery } from '../webhooks.ts';
import { jiraComments } from './comments.ts';
import {
  jiraDate,
  DEFAULT_STATUSES,
  DEFAULT_TRANSITIONS,
  JiraFakeState,
  type FakeIssue,
  type FakeStatus,
  type FakeTransition,
  type FakeUser,
} from './state.ts';

export type { FakeIssue, FakeStatus, FakeTransition, FakeUser } from './state.ts';

export type JiraFakeOptions = {
  email?: string;
  apiToken?: string;
  projectKey?: string;
  /** Issue types the project offers (default ['Bug']). */
  issueTypes?: string[];
  users?: FakeUser[];
  statuses?: FakeStatus[];
  transitions?: FakeTransition[];
};

/** The account the API token belongs to (GET /rest/api/3/myself). */
const BOT_ACCOUNT = '712020:0e5c8b2a-6f1d-4c3b-9a7e-defec75ync01';
const UNAUTHORIZED = { message: 'Client must be authenticated to access this resource.', 'status-code': 401 };
const SEARCH_GONE =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';

function jiraError(_status: number, message: string): unknown {
  return { errorMessages: [message], errors: {} };
}

/** Field validation errors carry Jira's {errors:{field: msg}} form; everything else goes to fakes/kit.ts. */
function guard(handle: (req: FakeRequest) => FakeResponse): (req: FakeRequest) => FakeResponse {
  return (req) => {
    try {
      return handle(req);
    } catch (err) {
      const errors = (err as { jiraErrors?: Record<string, string> }).jiraErrors;
      if (errors) return { status: 400, body: { errorMessages: [], errors } };
      throw err;
    }
  };
}

/** `fields` may come repeated or comma-separated, like Jira accepts. */
function requestedFields(values: string[]): string[] | null {
  const all = values.flatMap((v) => v.split(',')).map((f) => f.trim()).filter(Boolean);
  return all.length ? all : null;
}

type Jql = { clauses: { field: string; op: '=' | '>='; value: string }[]; orderBy: 'created' | 'updated'; order: 'ASC' | 'DESC' | null };

/**
 * The JQL subset the connector sends: `a = "x" AND b = y`, `updated >= "-15m"` (a relative date in
 * minutes, as Jira writes them), with an optional ORDER BY created or updated.
 */
function parseJql(jql: string): Jql {
  const m = jql.trim().match(/^(.*?)(?:\s+ORDER\s+BY\s+(created|updated)(?:\s+(ASC|DESC))?)?$/i);
  const where = m?.[1] ?? '';
  const clauses = where.split(/\s+AND\s+/i).map((c) => {
    const cm = c.trim().match(/^(\w+)\s*(>=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))$/);
    if (!cm) throw httpError(400, `Error in the JQL Query: Expecting operator but got '${c.trim()}'.`);
    return { field: cm[1]!.toLowerCase(), op: cm[2] as '=' | '>=', value: (cm[3] ?? cm[4]!).replace(/\\(.)/g, '$1') };
  });
  return { clauses, orderBy: (m?.[2]?.toLowerCase() as 'created' | 'updated' | undefined) ?? 'created', order: m?.[3] ? (m[3].toUpperCase() as 'ASC' | 'DESC') : null };
}

export function createJiraFake(options: JiraFakeOptions = {}) {
  const email = options.email ?? 'qa.bot@example.com';
  const apiToken = options.apiToken ?? 'fake-jira-api-token';
  const projectKey = options.projectKey ?? 'QA';
  const state = new JiraFakeState({
    projectKey,
    issueTypes: options.issueTypes ?? ['Bug'],
    users: options.users ?? [],
    statuses: options.statuses ?? DEFAULT_STATUSES.map((s) => ({ ...s })),
    transitions: options.transitions ?? DEFAULT_TRANSITIONS.map((t) => ({ ...t })),
  });
  const base = () => tracker.baseUrl;
  /** A project key (or id) as Jira resolves it; 404 with Jira's words when there is none. */
  const projectOf = (keyOrId: string): string => {
    const byId = [...state.projects].find((_, i) => String(10000 + i) === keyOrId);
    const key = byId ?? keyOrId.toUpperCase();
    if (!state.projects.has(key)) throw httpError(404, `No project could be found with key '${keyOrId}'.`);
    return key;
  };

  function search(jqlText: string, fieldsParam: string[], maxResults: number, pageToken: string | undefined): FakeResponse {
    const jql = parseJql(jqlText);
    // The enhanced search is eventually consistent: issues created within searchLagMs do not show yet.
    const indexedBefore = Date.now() - state.searchLagMs;
    let found = [...state.issues.values()].filter((i) => state.searchLagMs === 0 || i.created <= indexedBefore);
    for (const { field, op, value } of jql.clauses) {
      if (field === 'updated' && op === '>=') {
        const rel = /^-(\d+)m$/.exec(value);
        if (!rel) throw httpError(400, `Date value '${value}' for field 'updated' is invalid.`); // approximated
        const from = Date.now() - Number(rel[1]) * 60_000;
        found = found.filter((i) => i.updated >= from);
      } else if (op !== '=') {
        throw httpError(400, `The operator '${op}' is not supported by the '${field}' field.`);
      } else if (field === 'project') {
        if (!state.projects.has(value)) throw httpError(400, `The value '${value}' does not exist for the field 'project'.`);
        found = found.filter((i) => i.projectKey === value);
      } else if (field === 'labels') {
        found = found.filter((i) => i.labels.includes(value));
      } else {
        throw httpError(400, `Field '${field}' does not exist or you do not have permission to view it.`);
      }
    }
    const key = (i: FakeIssue) => (jql.orderBy === 'updated' ? i.updated : i.created);
    found.sort((a, b) => (jql.order === 'DESC' ? key(b) - key(a) : key(a) - key(b)) || Number(a.id) - Number(b.id));
    const start = Number(pageToken ?? 0) || 0;
    const page = found.slice(start, start + maxResults);
    const fields = requestedFields(fieldsParam);
    const isLast = start + maxResults >= found.length;
    return {
      status: 200,
      body: {
        // Without `fields` the enhanced search answers ids only.
        issues: page.map((i) => (fields ? state.issueJson(base(), i, fields) : { id: i.id })),
        isLast,
        ...(!isLast && { nextPageToken: String(start + maxResults) }),
      },
    };
  }

  // Issue comments (issue 15): fakes/jira/comments.ts.
  const comments = jiraComments({
    base,
    state,
    botAccount: { accountId: BOT_ACCOUNT, displayName: 'Defect Sync' },
    webhooks: () => webhooks,
    issueJson: (issue) => state.issueJson(base(), issue, null),
  });
  const routes: Route[] = [
    ...comments.routes,
    {
      name: 'ticket.create',
      method: 'POST',
      path: '/rest/api/3/issue',
      handle: guard((req) => {
        const fields = (req.body as { fields?: Record<string, unknown> } | undefined)?.fields;
        if (!fields) throw httpError(400, 'No fields found in the request.');
        const issue = state.createIssue(fields);
        return { status: 201, body: { id: issue.id, key: issue.key, self: `${base()}/rest/api/3/issue/${issue.id}` } };
      }),
    },
    {
      name: 'ticket.get',
      method: 'GET',
      path: '/rest/api/3/issue/:idOrKey',
      handle: (req) => ({ status: 200, body: state.issueJson(base(), state.find(req.params.idOrKey!), requestedFields(req.query.getAll('fields'))) }),
    },
    {
      name: 'ticket.changelog',
      method: 'GET',
      path: '/rest/api/3/issue/:idOrKey/changelog',
      handle: (req) => {
        const issue = state.find(req.params.idOrKey!);
        const startAt = Math.max(0, Number(req.query.get('startAt') ?? 0) || 0);
        const maxResults = Math.min(100, Math.max(1, Number(req.query.get('maxResults') ?? 100) || 100));
        const values = issue.changelog.slice(startAt, startAt + maxResults).map((h) => ({
          id: h.id,
          author: { accountId: 'someone', displayName: 'Someone' },
          created: jiraDate(h.created),
          items: h.items.map((i) => ({ field: i.field, fieldtype: 'jira', fieldId: i.fieldId, from: null, fromString: i.fromString, to: null, toString: i.toString })),
        }));
        const total = issue.changelog.length;
        return {
          status: 200,
          body: {
            self: `${base()}/rest/api/3/issue/${issue.id}/changelog?maxResults=${maxResults}&startAt=${startAt}`,
            maxResults,
            startAt,
            total,
            isLast: startAt + maxResults >= total,
            values,
          },
        };
      },
    },
    {
      name: 'ticket.update',
      method: 'PUT',
      path: '/rest/api/3/issue/:idOrKey',
      handle: guard((req) => {
        const issue = state.find(req.params.idOrKey!);
        const body = (req.body ?? {}) as { fields?: Record<string, unknown>; update?: Record<string, unknown> };
        if (body.update && Object.keys(body.update).length) state.applyUpdate(issue, body.fields ?? {}, body.update);
        else state.applyFields(issue, body.fields ?? {}, false);
        // returnIssue=true answers the issue like GET (with its current key); otherwise 204.
        if (req.query.get('returnIssue') === 'true') return { status: 200, body: state.issueJson(base(), issue, Object.keys(body.fields ?? {})) };
        return { status: 204 };
      }),
    },
    {
      name: 'transition.list',
      method: 'GET',
      path: '/rest/api/3/issue/:idOrKey/transitions',
      handle: (req) => {
        const issue = state.find(req.params.idOrKey!);
        return {
          status: 200,
          body: {
            expand: 'transitions',
            transitions: state.transitionsFor(issue).map((t) => ({
              id: t.id,
              name: t.name,
              to: state.statusJson(base(), state.status(t.to)),
              hasScreen: false,
              isGlobal: !t.from,
              isInitial: false,
              isAvailable: true,
              isConditional: false,
              isLooped: false,
            })),
          },
        };
      },
    },
    {
      name: 'transition.do',
      method: 'POST',
      path: '/rest/api/3/issue/:idOrKey/transitions',
      handle: (req) => {
        const issue = state.find(req.params.idOrKey!);
        const id = (req.body as { transition?: { id?: unknown } } | undefined)?.transition?.id;
        if (id === undefined) throw httpError(400, "Missing 'transition' identifier");
        const t = state.transitionsFor(issue).find((x) => x.id === String(id));
        if (!t) throw httpError(400, `Transition id '${String(id)}' is not valid for this issue.`);
        state.moveTo(issue, t.to);
        return { status: 204 };
      },
    },
    {
      name: 'ticket.find',
      method: 'GET',
      path: '/rest/api/3/search/jql',
      handle: (req) =>
        search(req.query.get('jql') ?? '', req.query.getAll('fields'), Number(req.query.get('maxResults') ?? 50), req.query.get('nextPageToken') ?? undefined),
    },
    {
      name: 'ticket.find',
      method: 'POST',
      path: '/rest/api/3/search/jql',
      handle: (req) => {
        const b = (req.body ?? {}) as { jql?: string; fields?: string[]; maxResults?: number; nextPageToken?: string };
        return search(b.jql ?? '', b.fields ?? [], b.maxResults ?? 50, b.nextPageToken);
      },
    },
    {
      // Up to 100 ids or keys (old keys of moved issues too); an issue not found or not visible is left
      // out of the answer, not an error (issueErrors is for retriable failures).
      name: 'ticket.bulkfetch',
      method: 'POST',
      path: '/rest/api/3/issue/bulkfetch',
      handle: (req) => {
        const b = (req.body ?? {}) as { issueIdsOrKeys?: unknown; fields?: unknown };
        const wanted = b.issueIdsOrKeys;
        if (!Array.isArray(wanted) || wanted.some((x) => typeof x !== 'string')) throw httpError(400, 'issueIdsOrKeys must be an array of issue ids or keys'); // approximated
        if (wanted.length > 100) throw httpError(400, 'The number of issues to fetch must not exceed 100.'); // approximated
        const fields = requestedFields(Array.isArray(b.fields) ? (b.fields as string[]) : []);
        const found = new Map<string, FakeIssue>();
        for (const idOrKey of wanted as string[]) {
          const id = /^\d+$/.test(idOrKey) ? idOrKey : state.keys.get(idOrKey.toUpperCase());
          const issue = id ? state.issues.get(id) : undefined;
          if (issue) found.set(issue.id, issue);
        }
        // Jira answers in ascending id order.
        const issues = [...found.values()].sort((a, b) => Number(a.id) - Number(b.id)).map((i) => state.issueJson(base(), i, fields));
        return { status: 200, body: { expand: 'schema,names', issues, issueErrors: [] } };
      },
    },
    {
      name: 'myself.get',
      method: 'GET',
      path: '/rest/api/3/myself',
      handle: () => ({
        status: 200,
        body: { self: `${base()}/rest/api/3/user?accountId=${BOT_ACCOUNT}`, accountId: BOT_ACCOUNT, accountType: 'atlassian', emailAddress: email, displayName: 'Defect Sync', active: true, timeZone: 'Etc/UTC', locale: 'en_US' },
      }),
    },
    {
      // The admin webhooks (made in Settings → System → WebHooks), in the 1.0 webhooks API's shape.
      name: 'webhooks.admin.list',
      method: 'GET',
      path: '/rest/webhooks/1.0/webhook',
      handle: () => {
        if (!state.siteAdmin) throw httpError(403, 'You are not authorized to perform this action. Administrator privileges are required.');
        const target = webhooks.target;
        const body = target
          ? [{ name: 'Defect Sync', url: target, excludeBody: false, filters: { 'issue-related-events-section': `project = ${projectKey}` }, events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted'], enabled: true, self: `${base()}/rest/webhooks/1.0/webhook/1`, lastUpdatedUser: BOT_ACCOUNT, lastUpdatedDisplayName: 'Defect Sync', lastUpdated: Date.now() }]
          : [];
        return { status: 200, body };
      },
    },
    {
      name: 'project.get',
      method: 'GET',
      path: '/rest/api/3/project/:key',
      handle: (req) => {
        const key = projectOf(req.params['key']!);
        return {
          status: 200,
          body: {
            self: `${base()}/rest/api/3/project/${key}`,
            id: String(10000 + [...state.projects].indexOf(key)),
            key,
            name: key,
            projectTypeKey: 'software',
            simplified: false,
            style: 'classic',
            issueTypes: state.issueTypes.map((name) => ({ self: `${base()}/rest/api/3/issuetype/${state.issueTypeId(name)}`, id: state.issueTypeId(name), name, subtask: false, hierarchyLevel: 0 })),
          },
        };
      },
    },
    {
      name: 'createmeta.fields',
      method: 'GET',
      path: '/rest/api/3/issue/createmeta/:key/issuetypes/:typeId',
      handle: (req) => {
        const key = projectOf(req.params['key']!);
        const type = state.issueTypes.find((name) => state.issueTypeId(name) === req.params['typeId']);
        if (!type) throw httpError(404, `Issue type with id '${req.params['typeId']}' does not exist or is not in project ${key}.`); // approximated
        const all = state.createMeta(base(), key, type);
        const startAt = Math.max(0, Number(req.query.get('startAt') ?? 0) || 0);
        const maxResults = Math.min(200, Math.max(1, Number(req.query.get('maxResults') ?? 50) || 50));
        return { status: 200, body: { maxResults, startAt, total: all.length, fields: all.slice(startAt, startAt + maxResults) } };
      },
    },
    {
      name: 'versions.list',
      method: 'GET',
      path: '/rest/api/3/project/:key/versions',
      handle: (req) => {
        const key = projectOf(req.params['key']!);
        return { status: 200, body: state.versions.filter((v) => v.projectKey === key).map((v) => state.versionJson(base(), v)) };
      },
    },
    {
      name: 'versions.create',
      method: 'POST',
      path: '/rest/api/3/version',
      handle: guard((req) => ({ status: 201, body: state.versionJson(base(), state.createVersion((req.body ?? {}) as Record<string, unknown>)) })),
    },
    // The legacy search endpoints are gone on Jira Cloud; a connector still calling them must fail.
    { name: 'jira.search-legacy', method: 'GET', path: '/rest/api/3/search', handle: () => ({ status: 410, body: jiraError(410, SEARCH_GONE) }) },
    { name: 'jira.search-legacy', method: 'POST', path: '/rest/api/3/search', handle: () => ({ status: 410, body: jiraError(410, SEARCH_GONE) }) },
  ];

  // Webhooks: every successful write through the API, and every edit "in the UI" below, is announced.
  const deliveryOf = (event: 'jira:issue_updated' | 'jira:issue_created', id: string, secret: string): Delivery | null => {
    const issue = state.issues.get(id);
    return issue ? jiraDelivery(event, state.issueJson(base(), issue, null), secret) : null;
  };
  const expectedAuth = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
  const tracker = new FakeTracker({
    name: 'jira',
    routes,
    authenticate: (req) =>
      req.headers.authorization === expectedAuth
        ? null
        : { status: 401, body: UNAUTHORIZED, headers: { 'x-seraph-loginreason': 'AUTHENTICATED_FAILED', 'www-authenticate': 'Basic realm="protected-area"' } },
    errorBody: jiraError,
  });
  const webhooks = new FakeWebhookSender(tracker, (route, body, req, secret) => {
    if (route === 'ticket.create') return deliveryOf('jira:issue_created', String((body as { id?: unknown }).id), secret);
    if (route !== 'ticket.update' && route !== 'transition.do') return null;
    const issue = state.issues.get(req.params['idOrKey']!) ?? [...state.issues.values()].find((i) => i.key === req.params['idOrKey']?.toUpperCase());
    return issue ? deliveryOf('jira:issue_updated', issue.id, secret) : null;
  });

  return {
    tracker,
    /** Issue comments: `of(key)`, `textOf(c)`, `byHand(key, text, person?)`, `editByHand`, `deleteByHand`. */
    comments,
    state,
    email,
    apiToken,
    projectKey,
    /** Every issue as GET /rest/api/3/issue/{id} shows it (all fields). */
    issues(): Record<string, unknown>[] {
      return [...state.issues.values()].map((i) => state.issueJson(base(), i, null));
    },
    /** The stored issue (by id or any key it ever had). */
    issue(idOrKey: string): FakeIssue {
      return state.find(idOrKey);
    },
    deleteIssue(id: string): void {
      const issue = state.find(id);
      const json = state.issueJson(base(), issue, null);
      state.issues.delete(issue.id);
      webhooks.announce((secret) => jiraDelivery('jira:issue_deleted', json, secret));
    },
    /**
     * Moves the issue to another project: `to` is a project key ('OPS', next number there) or a whole
     * new key ('OPS-7'). The old key keeps resolving to the issue, like Jira. Returns the new key.
     */
    moveIssue(id: string, to: string): string {
      const issue = state.find(id);
      const wanted = to.toUpperCase();
      const project = wanted.replace(/-\d+$/, '');
      state.projects.add(project);
      issue.key = wanted === project ? state.nextKey(project) : wanted;
      issue.projectKey = project;
      issue.updated = state.now();
      state.keys.set(issue.key, issue.id);
      webhooks.announce((secret) => deliveryOf('jira:issue_updated', issue.id, secret));
      return issue.key;
    },
    /** A person moving the issue in Jira's UI (no workflow check). */
    setStatus(id: string, statusName: string): void {
      const issue = state.find(id);
      const status = state.statuses.find((s) => s.name === statusName);
      if (!status) throw new Error(`fake jira: no status ${statusName}`);
      state.moveTo(issue, status.id);
      webhooks.announce((secret) => deliveryOf('jira:issue_updated', issue.id, secret));
    },
    /** A person editing fields in Jira (validated like the API). */
    edit(id: string, fields: Record<string, unknown>): void {
      const issue = state.find(id);
      state.applyFields(issue, fields, false);
      webhooks.announce((secret) => deliveryOf('jira:issue_updated', issue.id, secret));
    },
    /** Signed admin-webhook deliveries to a target (set `webhooks.target` and `webhooks.secret`), with faults. */
    webhooks,
    addUser(user: FakeUser): void {
      state.users.set(user.accountId, user);
    },
    /**
     * The project's issue type requires this field on create (Jira: a required field in its field
     * configuration, on its create screen); with a default value, a create may leave it out.
     */
    requireField(projectKey: string, issueType: string, field: { fieldId: string; name: string; hasDefaultValue?: boolean; defaultValue?: unknown }): void {
      const at = `${projectKey}/${issueType}`;
      state.createScreenFields.set(at, [...(state.createScreenFields.get(at) ?? []).filter((f) => f.fieldId !== field.fieldId), { required: true, ...field }]);
    },
    /** A release a person made in the project (Releases page). */
    addVersion(name: string, opts: { released?: boolean } = {}): void {
      const v = state.createVersion({ name, project: projectKey });
      v.released = opts.released ?? false;
    },
    versions: (project = projectKey) => state.versions.filter((v) => v.projectKey === project).map((v) => v.name),
    setTransitions(transitions: FakeTransition[]): void {
      state.transitions = transitions;
    },
  };
}

export type JiraFake = ReturnType<typeof createJiraFake>;
