// A local Asana for tests: the slice of the REST API the connector uses (tasks create, get, update,
// list by project with modified_since and offset pagination, delete), with Asana's envelopes
// ({ data }, { errors: [{ message }] }), Bearer auth and 429 Retry-After, built on fakes/kit.ts.
import { FakeTracker, httpError, type FakeRequest, type FakeResponse } from '../kit.ts';
import { randomBytes } from 'node:crypto';
import { AsanaFakeState, writeNotes, type FakeProject, type FakeTag, type FakeTask, type FakeUser, type FakeWebhook } from './state.ts';
import { asanaDelivery } from '../webhooks.ts';
import { asanaComments } from './comments.ts';

const HELP = 'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors';
const API = '/api/1.0';

export type AsanaFakeOptions = {
  /** The personal access token the fake accepts. */
  token: string;
  users?: Omit<FakeUser, 'gid'>[];
  /** Clock for timestamps (ms), so tests can step time; stamps stay strictly increasing. */
  now?: () => number;
};

export type AsanaFake = ReturnType<typeof createAsanaFake>;

export function createAsanaFake(options: AsanaFakeOptions) {
  const state = new AsanaFakeState({ ...(options.users && { users: options.users }), ...(options.now && { now: options.now }) });
  const project = state.addProject('Defects', { severityField: true });

  // Comment stories (issue 15): fakes/asana/comments.ts.
  const comments = asanaComments({ api: API, state, announce: (task, events) => announceEvents(task, events) });
  const tracker = new FakeTracker({
    name: 'asana',
    authenticate: (req) =>
      req.headers.authorization === `Bearer ${options.token}` ? null : { status: 401, body: errorBody(401, 'Not Authorized') },
    errorBody,
    routes: [
      ...comments.routes,
      { name: 'ticket.create', method: 'POST', path: `${API}/tasks`, handle: createTask },
      { name: 'ticket.find', method: 'GET', path: `${API}/tasks`, handle: listTasks },
      { name: 'ticket.get', method: 'GET', path: `${API}/tasks/:task_gid`, handle: getTask },
      { name: 'ticket.update', method: 'PUT', path: `${API}/tasks/:task_gid`, handle: updateTask },
      { name: 'task.delete', method: 'DELETE', path: `${API}/tasks/:task_gid`, handle: deleteTaskRoute },
      { name: 'ticket.stories', method: 'GET', path: `${API}/tasks/:task_gid/stories`, handle: listStories },
      { name: 'task.addTag', method: 'POST', path: `${API}/tasks/:task_gid/addTag`, handle: (req) => tagTask(req, true) },
      { name: 'task.removeTag', method: 'POST', path: `${API}/tasks/:task_gid/removeTag`, handle: (req) => tagTask(req, false) },
      { name: 'tags.list', method: 'GET', path: `${API}/workspaces/:workspace_gid/tags`, handle: listTags },
      { name: 'tags.create', method: 'POST', path: `${API}/workspaces/:workspace_gid/tags`, handle: (req) => createTag(req, req.params['workspace_gid']) },
      { name: 'tags.create', method: 'POST', path: `${API}/tags`, handle: (req) => createTag(req, dataOf(req)['workspace']) },
      { name: 'user.get', method: 'GET', path: `${API}/users/:user_gid`, handle: getUser },
      { name: 'project.get', method: 'GET', path: `${API}/projects/:project_gid`, handle: getProject },
      { name: 'webhook.create', method: 'POST', path: `${API}/webhooks`, handle: createWebhook },
      { name: 'webhook.list', method: 'GET', path: `${API}/webhooks`, handle: listWebhooks },
      { name: 'webhook.delete', method: 'DELETE', path: `${API}/webhooks/:webhook_gid`, handle: deleteWebhook },
    ],
  });

  /** One page of a list in its own order (limit, default and at most 100), after the item the offset names. */
  function pagedByGid<T extends { gid: string }>(req: FakeRequest, all: readonly T[]): { page: T[]; next: string | null } {
    const limit = Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 100) || 100));
    const offset = req.query.get('offset');
    const start = offset === null ? 0 : all.findIndex((x) => x.gid === decodeOffset(offset)) + 1;
    const page = all.slice(start, start + limit);
    return { page, next: start + limit < all.length ? encodeOffset(page.at(-1)!.gid) : null };
  }

  // ---- tags: workspace tags, offset-paged; a task gains and loses them one call each
  function tagJson(tag: FakeTag): Record<string, unknown> {
    return { gid: tag.gid, resource_type: 'tag', name: tag.name };
  }

  function listTags(req: FakeRequest): FakeResponse {
    if (req.params['workspace_gid'] !== state.workspace.gid) throw httpError(404, `Unknown object: ${req.params['workspace_gid']}`);
    const { page, next } = pagedByGid(req, [...state.tags.values()]);
    return { status: 200, body: { data: page.map(tagJson), next_page: next ? { offset: next, path: '', uri: '' } : null } };
  }

  function createTag(req: FakeRequest, workspace: unknown): FakeResponse {
    const data = dataOf(req);
    allowOnly(data, ['name', 'workspace', 'color', 'notes']);
    const tag = state.createTag(workspace, data);
    return { status: 201, body: { data: tagJson(tag) } };
  }

  function tagTask(req: FakeRequest, add: boolean): FakeResponse {
    const task = state.findTask(req.params['task_gid']!);
    const data = dataOf(req);
    allowOnly(data, ['tag']);
    const gid = data['tag'];
    if (typeof gid !== 'string' || !state.tags.has(gid)) throw httpError(400, `tag: Not a recognized ID: ${String(gid)}`); // approximated
    const before = structuredClone(task);
    const tags = task.tags ?? [];
    task.tags = add ? (tags.includes(gid) ? tags : [...tags, gid]) : tags.filter((t) => t !== gid);
    if (JSON.stringify(before.tags ?? []) !== JSON.stringify(task.tags)) {
      task.modified_at = state.now();
      state.recordStories(before, task);
      announce(task, 'modified');
    }
    return { status: 200, body: { data: {} } };
  }

  // ---- stories: the task's change record, oldest first, offset-paged like every Asana list
  function listStories(req: FakeRequest): FakeResponse {
    const task = state.findTask(req.params['task_gid']!);
    const { page, next } = pagedByGid(req, task.stories ?? []);
    return {
      status: 200,
      body: {
        data: page.map((st) => comments.storyJson(st.gid) ?? ({
          gid: st.gid,
          resource_type: 'story',
          type: 'system',
          created_at: st.created_at,
          resource_subtype: st.resource_subtype,
          text: st.text,
          ...(st.custom_field && { custom_field: { gid: st.custom_field.gid, resource_type: 'custom_field', name: st.custom_field.name } }),
        })),
        next_page: next ? { offset: next, path: `/tasks/${task.gid}/stories`, uri: '' } : null,
      },
    };
  }

  // ---- users and projects, as a client checking its configuration reads them
  const compactWorkspace = () => ({ gid: state.workspace.gid, resource_type: 'workspace', name: state.workspace.name });
  function getUser(req: FakeRequest): FakeResponse {
    const gid = req.params['user_gid'] === 'me' ? state.meGid : req.params['user_gid'];
    const user = state.users.find((u) => u.gid === gid);
    if (!user) throw httpError(404, `user: Unknown object: ${req.params['user_gid']}`); // approximated
    const record = { gid: user.gid, resource_type: 'user', name: user.name, email: user.email, workspaces: [compactWorkspace()] };
    return { status: 200, body: { data: only(record, req.query.get('opt_fields'), ['gid', 'resource_type', 'name']) } };
  }

  function getProject(req: FakeRequest): FakeResponse {
    const p = state.projects.get(req.params['project_gid']!);
    if (!p) throw httpError(404, `project: Unknown object: ${req.params['project_gid']}`); // approximated
    const user = (gid: string) => ({ gid, resource_type: 'user', name: state.users.find((u) => u.gid === gid)?.name ?? '' });
    const record = {
      gid: p.gid,
      resource_type: 'project',
      name: p.name,
      archived: p.archived ?? false,
      workspace: compactWorkspace(),
      members: (p.members ?? state.users.map((u) => u.gid)).map(user),
      // Asana's custom field settings, each with its custom field (enum options included, as asked).
      custom_field_settings: p.customFields.map((gid) => {
        const field = state.customFields.get(gid)!;
        return { gid: `${gid}0`, resource_type: 'custom_field_setting', is_important: true, custom_field: { gid, resource_type: 'custom_field', name: field.name, type: field.type, resource_subtype: field.type, enum_options: field.enum_options.map((o) => ({ resource_type: 'enum_option', ...o })) } };
      }),
    };
    return { status: 200, body: { data: only(record, req.query.get('opt_fields'), ['gid', 'resource_type', 'name']) } };
  }

  // ---- webhooks: created only after the target answers the handshake, as Asana does
  const webhookJson = (w: FakeWebhook) => ({
    gid: w.gid,
    resource_type: 'webhook',
    active: w.active,
    resource: { gid: w.resource, resource_type: 'project', name: state.projects.get(w.resource)?.name ?? '' },
    target: w.target,
    created_at: w.created_at,
    last_failure_at: w.last_failure_at,
    last_failure_content: w.last_failure_content,
    last_success_at: null,
    filters: [{ resource_type: 'task' }],
  });

  async function createWebhook(req: FakeRequest): Promise<FakeResponse> {
    const data = dataOf(req);
    const resource = data['resource'];
    const target = data['target'];
    if (typeof resource !== 'string' || !state.projects.has(resource)) throw httpError(400, `resource: Not a recognized ID: ${String(resource)}`); // approximated
    if (typeof target !== 'string' || !/^https?:\/\//.test(target)) throw httpError(400, 'target: Invalid URL'); // approximated
    const secret = randomBytes(16).toString('hex');
    let echoed: string | null = null;
    try {
      const res = await fetch(target, { method: 'POST', headers: { 'x-hook-secret': secret }, signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 204) echoed = res.headers.get('x-hook-secret');
    } catch {
      echoed = null;
    }
    if (echoed !== secret) throw httpError(400, 'The remote server did not respond with the handshake secret.'); // approximated
    const hook: FakeWebhook = { gid: state.gid(), resource, target, secret, active: true, created_at: state.now(), last_failure_at: null, last_failure_content: null, failures: 0 };
    state.webhooks.set(hook.gid, hook);
    return { status: 201, body: { data: webhookJson(hook) } };
  }

  function listWebhooks(req: FakeRequest): FakeResponse {
    const workspace = req.query.get('workspace');
    if (workspace !== state.workspace.gid) throw httpError(400, `workspace: Not a recognized ID: ${String(workspace)}`); // approximated
    const resource = req.query.get('resource');
    const hooks = [...state.webhooks.values()].filter((w) => !resource || w.resource === resource);
    return { status: 200, body: { data: hooks.map(webhookJson), next_page: null } };
  }

  function deleteWebhook(req: FakeRequest): FakeResponse {
    if (!state.webhooks.delete(req.params['webhook_gid']!)) throw httpError(404, 'webhook: Not a recognized ID'); // approximated
    return { status: 200, body: { data: {} } };
  }

  /**
   * Compact "changed" events for a task, to every active webhook on a project holding it. A webhook
   * whose deliveries keep failing is deactivated, as Asana does (after 24 h of retries; here at once
   * after `failuresToDeactivate`).
   */
  const webhookFaults = { dropNext: 0, copies: 1, failuresToDeactivate: 3 };
  const deliveries: { webhook: string; status: number; at: number }[] = [];
  function announce(task: FakeTask, field: string): void {
    announceEvents(task, [
        {
          user: { gid: state.meGid, resource_type: 'user' },
          created_at: task.modified_at,
          action: 'changed',
          resource: { gid: task.gid, resource_type: 'task', resource_subtype: 'default_task' },
          parent: null,
          change: { field, action: 'changed' },
        },
      ]);
  }
  function announceEvents(task: FakeTask, events: unknown[]): void {
    for (const hook of state.webhooks.values()) {
      if (!hook.active || !task.projects.includes(hook.resource)) continue;
      if (webhookFaults.dropNext > 0) {
        webhookFaults.dropNext--;
        continue;
      }
      const delivery = asanaDelivery(events, hook.secret);
      for (let i = 0; i < webhookFaults.copies; i++) {
        void fetch(hook.target, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: AbortSignal.timeout(10_000) })
          .then(async (res) => {
            await res.arrayBuffer();
            deliveries.push({ webhook: hook.gid, status: res.status, at: Date.now() });
            if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
            hook.failures = 0;
          })
          .catch((err: unknown) => {
            hook.failures++;
            hook.last_failure_at = new Date().toISOString();
            hook.last_failure_content = String((err as Error).message);
            if (hook.failures >= webhookFaults.failuresToDeactivate) hook.active = false;
          });
      }
    }
  }
  tracker.events.on('change', (route: string, body: unknown, req: FakeRequest) => {
    if (route !== 'ticket.create' && route !== 'ticket.update') return;
    const gid = (body as { data?: { gid?: string } } | undefined)?.data?.gid ?? req.params['task_gid'];
    const task = gid ? state.tasks.get(gid) : undefined;
    if (task) announce(task, route === 'ticket.create' ? 'created' : 'modified');
  });

  function createTask(req: FakeRequest): FakeResponse {
    const data = dataOf(req);
    allowOnly(data, ['name', 'notes', 'html_notes', 'completed', 'assignee', 'projects', 'workspace', 'custom_fields', 'tags']);
    const projects = data['projects'] ?? [];
    if (!Array.isArray(projects) || projects.some((p) => typeof p !== 'string')) throw httpError(400, 'projects: Not an array of gids'); // approximated
    for (const gid of projects as string[]) {
      if (!state.projects.has(gid)) throw httpError(400, `projects: Not a recognized ID: ${gid}`); // approximated
    }
    const workspace = data['workspace'];
    if (workspace === undefined && !projects.length) throw httpError(400, 'You should specify one of workspace, parent, projects'); // approximated
    if (workspace !== undefined && workspace !== state.workspace.gid) throw httpError(400, `workspace: Not a recognized ID: ${String(workspace)}`); // approximated
    const now = state.now();
    const task: FakeTask = {
      gid: state.gid(),
      name: '',
      notes: '',
      completed: false,
      completed_at: null,
      created_at: now,
      modified_at: now,
      assignee: null,
      projects: projects as string[],
      workspace: state.workspace.gid,
      custom_field_values: {},
    };
    if ('tags' in data) task.tags = state.tagGids(data['tags']);
    applyWrite(task, data, now);
    state.addTask(task);
    return { status: 201, body: { data: state.shape(task, req.query.get('opt_fields')) }, headers: { location: `${API}/tasks/${task.gid}` } };
  }

  function getTask(req: FakeRequest): FakeResponse {
    const task = state.findTask(req.params['task_gid']!);
    return { status: 200, body: { data: state.shape(task, req.query.get('opt_fields')) } };
  }

  function updateTask(req: FakeRequest): FakeResponse {
    const task = state.findTask(req.params['task_gid']!);
    const data = dataOf(req);
    for (const key of ['projects', 'workspace']) {
      if (key in data) throw httpError(400, `${key}: Cannot write this property after creation`); // approximated
    }
    allowOnly(data, ['name', 'notes', 'html_notes', 'completed', 'assignee', 'custom_fields']);
    // All or nothing, as Asana: a refused field leaves the task untouched.
    const next = structuredClone(task);
    applyWrite(next, data, state.now());
    Object.assign(task, next);
    // Plain notes written: the rich text is theirs now (Object.assign keeps a property next dropped).
    if (next.html_notes === undefined) delete task.html_notes;
    // The complete record when no opt_fields, as the docs promise for PUT.
    const optFields = req.query.get('opt_fields');
    return { status: 200, body: { data: optFields === null ? state.native(task) : state.shape(task, optFields) } };
  }

  function deleteTaskRoute(req: FakeRequest): FakeResponse {
    const task = state.findTask(req.params['task_gid']!);
    state.deleteTask(task.gid);
    return { status: 200, body: { data: {} } };
  }

  function listTasks(req: FakeRequest): FakeResponse {
    const q = req.query;
    const projectGid = q.get('project');
    if (!projectGid) throw httpError(400, 'Must specify exactly one of project, tag, section, user task list, or assignee + workspace'); // approximated
    if (!state.projects.has(projectGid)) throw httpError(400, `project: Not a recognized ID: ${projectGid}`); // approximated
    let since: number | undefined;
    const modifiedSince = q.get('modified_since');
    if (modifiedSince !== null) {
      since = Date.parse(modifiedSince);
      if (Number.isNaN(since)) throw httpError(400, `modified_since: Not a valid date: ${modifiedSince}`); // approximated
    }
    const limitText = q.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      throw httpError(400, `limit: Must be between 1 and 100: ${limitText}`); // approximated
    }
    // In project order, as Asana lists a project ("ordered by their priority within the project"):
    // modified_since filters, it does not sort.
    const ordered = state.projectTasks(projectGid);
    const position = new Map(ordered.map((t, i) => [t.gid, i]));
    const all = ordered.filter((t) => since === undefined || Date.parse(t.modified_at) >= since);
    const offset = q.get('offset');
    let start = 0;
    if (offset !== null) {
      // The page after the token's task, by its place in the project (approximated for a task moved meanwhile).
      const token = decodeOffset(offset);
      const after = position.get(token);
      if (after === undefined) throw httpError(400, `offset: Your pagination token is invalid: ${offset}`); // approximated (its task left the project)
      start = all.findIndex((t) => position.get(t.gid)! > after);
      if (start === -1) start = all.length;
    }
    const page = limit === undefined ? all.slice(start) : all.slice(start, start + limit);
    const optFields = q.get('opt_fields');
    const body: Record<string, unknown> = { data: page.map((t) => state.shape(t, optFields)) };
    // next_page appears only on paginated (limit) requests; null on the last page.
    if (limit !== undefined) {
      const more = start + limit < all.length;
      if (more) {
        const token = encodeOffset(page[page.length - 1]!.gid);
        const next = new URLSearchParams(q);
        next.set('offset', token);
        const path = `/tasks?${next.toString()}`;
        body['next_page'] = { offset: token, path, uri: `${tracker.baseUrl}${API}${path}` };
      } else {
        body['next_page'] = null;
      }
    }
    return { status: 200, body };
  }

  /** Writes the fields of a create or update body onto a task (already checked for unknown keys). */
  function applyWrite(task: FakeTask, data: Record<string, unknown>, now: string): void {
    const before = structuredClone(task);
    applyFields(task, data, now);
    state.recordStories(before, task);
  }

  function applyFields(task: FakeTask, data: Record<string, unknown>, now: string): void {
    if ('name' in data) task.name = stringField(data, 'name');
    if ('notes' in data || 'html_notes' in data) {
      writeNotes(task, {
        ...('notes' in data && { notes: stringField(data, 'notes') }),
        ...('html_notes' in data && { html_notes: stringField(data, 'html_notes') }),
      });
    }
    if ('assignee' in data) task.assignee = state.resolveUser(data['assignee']);
    if ('completed' in data) {
      const completed = data['completed'];
      if (typeof completed !== 'boolean') throw httpError(400, `completed: Not a boolean: ${JSON.stringify(completed)}`); // approximated
      if (completed !== task.completed) task.completed_at = completed ? now : null;
      task.completed = completed;
    }
    if ('custom_fields' in data) Object.assign(task.custom_field_values, state.customFieldValues(data['custom_fields'], task.projects));
    task.modified_at = now;
  }

  return {
    /** Comment stories: `of(taskGid)`, `byHand(taskGid, text, author?)`, `editByHand(gid, text)`, `deleteByHand(gid)`. */
    comments,
    tracker,
    state,
    /** The project the connector is configured with; it carries the enum "Severity" custom field. */
    project,
    get workspaceGid(): string {
      return state.workspace.gid;
    },
    /** The base URL for AsanaSettings.apiUrl. */
    get apiUrl(): string {
      return `${tracker.baseUrl}${API}`;
    },
    /** A ready mapping.severityField for the project's "Severity" enum field. */
    severityField(): { gid: string; options: { critical: string; high: string; medium: string; low: string } } {
      const field = state.customFields.get(project.customFields[0]!)!;
      const [critical, high, medium, low] = field.enum_options.map((o) => o.gid) as [string, string, string, string];
      return { gid: field.gid, options: { critical, high, medium, low } };
    },
    users(): FakeUser[] {
      return state.users;
    },
    /** Every task in full native form. */
    tasks(): Record<string, unknown>[] {
      return [...state.tasks.values()].map((t) => state.native(t));
    },
    task(gid: string): Record<string, unknown> | undefined {
      const t = state.tasks.get(gid);
      return t && state.native(t);
    },
    /** Deletes a task as a person would: afterwards every request for it is a 404. */
    deleteTask(gid: string): void {
      state.deleteTask(gid);
    },
    /** A person dragging a task to the top of the configured project's list. */
    moveTaskToTop(gid: string): void {
      state.findTask(gid);
      project.tasks = [gid, ...project.tasks.filter((t) => t !== gid)];
    },
    /** A task made outside Defect Sync (e.g. by hand, or in another project). */
    addTask(fields: { name: string; notes?: string; projectGid?: string; completed?: boolean; assigneeGid?: string | null }): FakeTask {
      const now = state.now();
      const task: FakeTask = {
        gid: state.gid(),
        name: fields.name,
        notes: fields.notes ?? '',
        completed: fields.completed ?? false,
        completed_at: fields.completed ? now : null,
        created_at: now,
        modified_at: now,
        assignee: fields.assigneeGid ?? null,
        projects: [fields.projectGid ?? project.gid],
        workspace: state.workspace.gid,
        custom_field_values: {},
      };
      state.addTask(task);
      return task;
    },
    /** Edits a task as a person in the Asana UI would (bumps modified_at); rich text is checked like the API's. */
    editTask(
      gid: string,
      patch: Partial<Pick<FakeTask, 'name' | 'notes' | 'html_notes' | 'completed' | 'assignee'>> & {
        severityOption?: string | null;
        customFields?: Record<string, string | null>;
        /** The task's tags by name (a person picks or types them; a new name makes a tag). */
        tagNames?: string[];
      },
    ): void {
      const task = state.findTask(gid);
      const before = structuredClone(task);
      const { severityOption, customFields, notes, html_notes, tagNames, ...rest } = patch;
      if (tagNames) {
        task.tags = tagNames.map((name) => ([...state.tags.values()].find((t) => t.name === name) ?? state.createTag(state.workspace.gid, { name })).gid);
      }
      Object.assign(task, rest);
      writeNotes(task, { ...(notes !== undefined && { notes }), ...(html_notes !== undefined && { html_notes }) });
      if (severityOption !== undefined) task.custom_field_values[project.customFields[0]!] = severityOption;
      if (customFields) Object.assign(task.custom_field_values, state.customFieldValues(customFields, task.projects));
      if (rest.completed !== undefined && rest.completed !== before.completed) task.completed_at = rest.completed ? state.now() : null;
      task.modified_at = state.now();
      state.recordStories(before, task);
      announce(task, Object.keys(patch)[0] ?? 'modified');
    },
    /** Webhook faults: drop the next n deliveries, send each several times, deactivate after n failures. */
    webhookFaults,
    /** Webhook deliveries made (status 0: no answer). */
    deliveries,
    webhooks(): FakeWebhook[] {
      return [...state.webhooks.values()];
    },
    addProject(name: string): FakeProject {
      return state.addProject(name);
    },
    /** The project's members (user gids); the token's user is `state.meGid`. */
    setMembers(gids: string[]): void {
      project.members = gids;
    },
    /** A text custom field on the configured project (e.g. "Milestone"): its gid. */
    addTextField(name: string): string {
      return state.addTextField(project, name).gid;
    },
    /** The workspace's tags by name, and each task's tag names. */
    tagNames: () => [...state.tags.values()].map((t) => t.name),
    taskTags: (gid: string) => (state.findTask(gid).tags ?? []).map((t) => state.tags.get(t)?.name ?? ''),
    /** Another enum custom field on the configured project (e.g. a "Stage" that is not severity): its gid and option gids by name. */
    addEnumField(name: string, optionNames: string[]): { gid: string; options: Record<string, string> } {
      const field = state.addEnumField(project, name, optionNames);
      return { gid: field.gid, options: Object.fromEntries(field.enum_options.map((o) => [o.name, o.gid])) };
    },
    /** Makes the next matching call(s) answer Asana's 429 with Retry-After (seconds). */
    rateLimit(retryAfterSeconds: number, opts: { route?: string; times?: number } = {}): void {
      tracker.fail({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, ...opts });
    },
  };
}

function errorBody(status: number, message: string): unknown {
  if (status >= 500) return { errors: [{ message: 'Server Error', phrase: '6 sad squid snuggle softly' }] };
  if (status === 429) {
    return { errors: [{ message: "You've made too many requests and hit a rate limit. Please retry after the given amount of time.", help: HELP }] };
  }
  if (status === 404 && message === 'Not Found') return { errors: [{ message: 'Not Found', help: HELP }] };
  return { errors: [{ message, help: HELP }] };
}

/**
 * A record with only the top-level fields opt_fields names (a dotted path keeps its first part whole), plus
 * the compact ones Asana always sends; the compact form when opt_fields is absent.
 */
function only(record: Record<string, unknown>, optFields: string | null, compact: string[]): Record<string, unknown> {
  const wanted = new Set([...compact, ...(optFields ?? '').split(',').map((f) => f.trim().split('.')[0]!).filter(Boolean)]);
  return Object.fromEntries(Object.entries(record).filter(([k]) => wanted.has(k)));
}

function dataOf(req: FakeRequest): Record<string, unknown> {
  const data = (req.body as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw httpError(400, 'data: Missing input'); // approximated
  return data as Record<string, unknown>;
}

function allowOnly(data: Record<string, unknown>, keys: string[]): void {
  for (const key of Object.keys(data)) {
    if (!keys.includes(key)) throw httpError(400, `${key}: Unknown property`); // approximated (the fake models only these)
  }
}

function stringField(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string') throw httpError(400, `${key}: Not a string: ${JSON.stringify(value)}`); // approximated
  return value;
}

function encodeOffset(afterGid: string): string {
  return Buffer.from(JSON.stringify({ after: afterGid })).toString('base64url');
}

function decodeOffset(token: string): string {
  try {
    const after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown }).after;
    if (typeof after === 'string' && /^\d+$/.test(after)) return after;
  } catch {
    // falls through to the 400 below
  }
  throw httpError(400, `offset: Your pagination token is invalid: ${token}`); // approximated
}
