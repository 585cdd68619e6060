// The Asana fake's world: a workspace, users, projects with an enum "Severity" custom field, and
// tasks kept in Asana's native shape, plus Asana's opt_fields projection. Error messages follow
// Asana's "<field>: <problem>" style; where the docs show no exact text it is marked "approximated".
import { httpError } from '../kit.ts';
import { plainToRichText, richTextProblem, richTextToPlain } from './rich-text.ts';

export type FakeUser = { gid: string; email: string; name: string };
export type FakeEnumOption = { gid: string; name: string; enabled: boolean; color: string };
export type FakeCustomField = { gid: string; name: string; type: 'enum' | 'text'; enum_options: FakeEnumOption[] };
/** A workspace tag; tasks hold tag gids. Asana does not keep names unique (two tags may share one). */
export type FakeTag = { gid: string; name: string; workspace: string };
/** Asana's limit on a text custom field's value (approximated: the docs give none; the UI stops at 1,024). */
export const TEXT_FIELD_MAX = 1024;
/** `tasks`: the project's task gids in project order (Asana lists a project's tasks in this order). */
export type FakeProject = {
  gid: string;
  name: string;
  workspace: string;
  customFields: string[];
  tasks: string[];
  /** User gids of the project's members; every user of the workspace unless a test says otherwise. */
  members?: string[];
  archived?: boolean;
};

/** A stored task; `assignee` and `projects` hold gids, custom field values map field gid → option gid. */
export type FakeTask = {
  gid: string;
  name: string;
  /** The plain text of the description (Asana derives it from the rich text). */
  notes: string;
  /** The rich text when a person or a client wrote it as such; else it is `notes` escaped (see rich-text.ts). */
  html_notes?: string;
  completed: boolean;
  completed_at: string | null;
  created_at: string;
  modified_at: string;
  assignee: string | null;
  projects: string[];
  workspace: string;
  /** Enum fields: the option gid; text fields: the text. */
  custom_field_values: Record<string, string | null>;
  /** Tag gids, in the order they were added. */
  tags?: string[];
  /** System stories recording changes, oldest first (GET /tasks/{gid}/stories). */
  stories?: FakeStory[];
};

/** `custom_field`: the field a custom field story is about (Asana's compact custom field). */
export type FakeStory = { gid: string; created_at: string; resource_subtype: string; text: string; custom_field?: { gid: string; name: string } };

/** A webhook registered through POST /webhooks (after its handshake). */
export type FakeWebhook = {
  gid: string;
  resource: string;
  target: string;
  secret: string;
  active: boolean;
  created_at: string;
  last_failure_at: string | null;
  last_failure_content: string | null;
  failures: number;
};

type Json = Record<string, unknown>;

/** Top-level task fields a request may name in opt_fields (the ones this fake models). */
const TASK_FIELDS = [
  'gid', 'resource_type', 'resource_subtype', 'name', 'notes', 'html_notes', 'completed', 'completed_at', 'created_at',
  'modified_at', 'assignee', 'projects', 'workspace', 'custom_fields', 'permalink_url', 'tags',
];

export class AsanaFakeState {
  readonly workspace: { gid: string; name: string };
  readonly users: FakeUser[] = [];
  readonly projects = new Map<string, FakeProject>();
  readonly customFields = new Map<string, FakeCustomField>();
  readonly tags = new Map<string, FakeTag>();
  readonly tasks = new Map<string, FakeTask>();
  readonly webhooks = new Map<string, FakeWebhook>();
  /** The token's owner, whom 'me' names. */
  meGid: string;
  private nextGid = 1_209_000_000_000_001n;
  private lastTime = 0;
  private readonly clock: () => number;

  constructor(opts: { users?: Omit<FakeUser, 'gid'>[]; now?: () => number } = {}) {
    this.clock = opts.now ?? Date.now;
    this.workspace = { gid: this.gid(), name: 'Fake Workspace' };
    const users = opts.users ?? [
      { email: 'ada@example.com', name: 'Ada Lovelace' },
      { email: 'grace@example.com', name: 'Grace Hopper' },
    ];
    for (const u of users) this.users.push({ gid: this.gid(), ...u });
    this.meGid = this.users[0]?.gid ?? this.gid();
  }

  gid(): string {
    return String(this.nextGid++);
  }

  /** The system stories Asana adds for what changed between two states of a task. */
  recordStories(before: FakeTask, after: FakeTask): void {
    const add = (resource_subtype: string, text: string, custom_field?: FakeStory['custom_field']) =>
      (after.stories ??= []).push({ gid: this.gid(), created_at: after.modified_at, resource_subtype, text, ...(custom_field && { custom_field }) });
    if (before.name !== after.name) add('name_changed', `changed the name to "${after.name}"`);
    if (before.notes !== after.notes || htmlNotesOf(before) !== htmlNotesOf(after)) add('notes_changed', 'changed the description');
    if (before.completed !== after.completed) add(after.completed ? 'marked_complete' : 'marked_incomplete', after.completed ? 'completed this task' : 'marked incomplete');
    if (before.assignee !== after.assignee) add(after.assignee ? 'assigned' : 'unassigned', after.assignee ? 'assigned this task' : 'unassigned this task');
    // One story per custom field changed, naming the field.
    for (const fieldGid of new Set([...Object.keys(before.custom_field_values), ...Object.keys(after.custom_field_values)])) {
      if ((before.custom_field_values[fieldGid] ?? null) === (after.custom_field_values[fieldGid] ?? null)) continue;
      const field = this.customFields.get(fieldGid);
      const name = field?.name ?? '';
      add(field?.type === 'text' ? 'text_custom_field_changed' : 'enum_custom_field_changed', `changed ${name}`, { gid: fieldGid, name });
    }
    const tagName = (gid: string) => this.tags.get(gid)?.name ?? '';
    for (const gid of after.tags ?? []) if (!(before.tags ?? []).includes(gid)) add('added_to_tag', `added to ${tagName(gid)}`);
    for (const gid of before.tags ?? []) if (!(after.tags ?? []).includes(gid)) add('removed_from_tag', `removed from ${tagName(gid)}`);
  }

  /** Strictly increasing timestamps, so modified_since sees every change in order. */
  now(): string {
    this.lastTime = Math.max(this.clock(), this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  /** An enum custom field on a project, with options of these names. */
  addEnumField(project: FakeProject, name: string, optionNames: string[]): FakeCustomField {
    const field: FakeCustomField = {
      gid: this.gid(),
      name,
      type: 'enum',
      enum_options: optionNames.map((n) => ({ gid: this.gid(), name: n, enabled: true, color: 'none' })),
    };
    this.customFields.set(field.gid, field);
    project.customFields.push(field.gid);
    return field;
  }

  /** A text custom field on a project. */
  addTextField(project: FakeProject, name: string): FakeCustomField {
    const field: FakeCustomField = { gid: this.gid(), name, type: 'text', enum_options: [] };
    this.customFields.set(field.gid, field);
    project.customFields.push(field.gid);
    return field;
  }

  /** POST /workspaces/{gid}/tags (or /tags with a workspace): a new tag, whatever tags already bear the name. */
  createTag(workspace: unknown, data: Record<string, unknown>): FakeTag {
    if (workspace !== this.workspace.gid) throw httpError(400, `workspace: Not a recognized ID: ${String(workspace)}`); // approximated
    const name = data['name'];
    if (typeof name !== 'string' || !name.trim()) throw httpError(400, 'name: Missing input'); // approximated
    const tag: FakeTag = { gid: this.gid(), name, workspace: this.workspace.gid };
    this.tags.set(tag.gid, tag);
    return tag;
  }

  /** The tag gids of a create's `tags`: each must be a tag of the workspace. */
  tagGids(value: unknown): string[] {
    if (!Array.isArray(value) || value.some((g) => typeof g !== 'string')) throw httpError(400, 'tags: Not an array of gids'); // approximated
    for (const gid of value as string[]) if (!this.tags.has(gid)) throw httpError(400, `tags: Not a recognized ID: ${gid}`); // approximated
    return [...new Set(value as string[])];
  }

  addProject(name: string, opts: { severityField?: boolean } = {}): FakeProject {
    const project: FakeProject = { gid: this.gid(), name, workspace: this.workspace.gid, customFields: [], tasks: [] };
    if (opts.severityField) {
      const field: FakeCustomField = {
        gid: this.gid(),
        name: 'Severity',
        type: 'enum',
        enum_options: ['Critical', 'High', 'Medium', 'Low'].map((n, i) => ({
          gid: this.gid(),
          name: n,
          enabled: true,
          color: ['red', 'orange', 'yellow-orange', 'blue'][i]!,
        })),
      };
      this.customFields.set(field.gid, field);
      project.customFields.push(field.gid);
    }
    this.projects.set(project.gid, project);
    return project;
  }

  /** Stores a new task, placed last in each of its projects (approximated: where the API puts a new task is not documented). */
  addTask(task: FakeTask): void {
    this.tasks.set(task.gid, task);
    for (const gid of task.projects) this.projects.get(gid)?.tasks.push(task.gid);
  }

  deleteTask(gid: string): void {
    this.tasks.delete(gid);
    for (const project of this.projects.values()) project.tasks = project.tasks.filter((t) => t !== gid);
  }

  /** The project's tasks in project order ("ordered by their priority within the project"), not by any time. */
  projectTasks(projectGid: string): FakeTask[] {
    return (this.projects.get(projectGid)?.tasks ?? []).map((gid) => this.tasks.get(gid)).filter((t): t is FakeTask => t !== undefined);
  }

  permalink(task: FakeTask): string {
    return `https://app.asana.com/1/${task.workspace}/project/${task.projects[0] ?? '0'}/task/${task.gid}`;
  }

  /** The task in full native form, as GET /tasks/{gid} with every field asked for returns it. */
  native(task: FakeTask): Json {
    const user = task.assignee ? this.users.find((u) => u.gid === task.assignee) : undefined;
    const fieldGids = [...new Set(task.projects.flatMap((p) => this.projects.get(p)?.customFields ?? []))];
    return {
      gid: task.gid,
      resource_type: 'task',
      resource_subtype: 'default_task',
      name: task.name,
      notes: task.notes,
      html_notes: htmlNotesOf(task),
      completed: task.completed,
      completed_at: task.completed_at,
      created_at: task.created_at,
      modified_at: task.modified_at,
      assignee: user ? { gid: user.gid, resource_type: 'user', name: user.name } : null,
      projects: task.projects.map((gid) => ({ gid, resource_type: 'project', name: this.projects.get(gid)?.name ?? '' })),
      workspace: { gid: this.workspace.gid, resource_type: 'workspace', name: this.workspace.name },
      tags: (task.tags ?? []).map((gid) => ({ gid, resource_type: 'tag', name: this.tags.get(gid)?.name ?? '' })),
      custom_fields: fieldGids.map((gid) => {
        const field = this.customFields.get(gid)!;
        if (field.type === 'text') {
          const text = task.custom_field_values[gid] ?? null;
          return { gid, resource_type: 'custom_field', name: field.name, type: 'text', resource_subtype: 'text', text_value: text, display_value: text };
        }
        const option = field.enum_options.find((o) => o.gid === task.custom_field_values[gid]);
        return {
          gid,
          resource_type: 'custom_field',
          name: field.name,
          type: field.type,
          enum_options: field.enum_options.map((o) => ({ ...o, resource_type: 'enum_option' })),
          enum_value: option ? { ...option, resource_type: 'enum_option' } : null,
          display_value: option?.name ?? null,
        };
      }),
      permalink_url: this.permalink(task),
    };
  }

  /** Asana's compact task record (no opt_fields). */
  compact(task: FakeTask): Json {
    return { gid: task.gid, resource_type: 'task', name: task.name, resource_subtype: 'default_task' };
  }

  /** The record shaped by opt_fields, or its compact form when none were asked for. */
  shape(task: FakeTask, optFields: string | null): Json {
    if (optFields === null) return this.compact(task);
    return project(this.native(task), parseOptFields(optFields));
  }

  findTask(taskGid: string): FakeTask {
    if (!/^\d+$/.test(taskGid)) throw httpError(400, `task: Not a valid gid: ${taskGid}`); // approximated
    const task = this.tasks.get(taskGid);
    if (!task) throw httpError(404, `Unknown object: ${taskGid}`);
    return task;
  }

  /** Resolves an assignee as Asana accepts it: a user gid, an email, or 'me'. */
  resolveUser(value: unknown): string | null {
    if (value === null) return null;
    if (typeof value !== 'string') throw httpError(400, `assignee: Not a string: ${JSON.stringify(value)}`); // approximated
    if (value === 'me') return this.meGid;
    const user = this.users.find((u) => u.gid === value || u.email.toLowerCase() === value.toLowerCase());
    if (!user) throw httpError(400, `assignee: Not a recognized ID: ${value}`); // approximated
    return user.gid;
  }

  /** Validates a custom_fields write against the fields the task's projects carry. */
  customFieldValues(value: unknown, projects: string[]): Record<string, string | null> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw httpError(400, 'custom_fields: Not an object'); // approximated
    const allowed = new Set(projects.flatMap((p) => this.projects.get(p)?.customFields ?? []));
    const out: Record<string, string | null> = {};
    for (const [fieldGid, optionGid] of Object.entries(value)) {
      const field = this.customFields.get(fieldGid);
      if (!field || !allowed.has(fieldGid)) throw httpError(400, `Custom field with ID ${fieldGid} is not on given object`); // approximated
      if (field.type === 'text') {
        if (optionGid !== null && typeof optionGid !== 'string') throw httpError(400, `custom_fields: text_value: Not a string: ${JSON.stringify(optionGid)}`); // approximated
        if (typeof optionGid === 'string' && optionGid.length > TEXT_FIELD_MAX) throw httpError(400, `custom_fields: text_value: Too long (at most ${TEXT_FIELD_MAX} characters)`); // approximated
        out[fieldGid] = optionGid === '' ? null : (optionGid as string | null);
        continue;
      }
      if (optionGid !== null && !field.enum_options.some((o) => o.gid === optionGid && o.enabled)) {
        throw httpError(400, `custom_fields: enum_value: Not a valid enum option for custom field ${fieldGid}: ${JSON.stringify(optionGid)}`); // approximated
      }
      out[fieldGid] = optionGid as string | null;
    }
    return out;
  }
}

type FieldTree = Map<string, FieldTree>;

export function parseOptFields(optFields: string): FieldTree {
  const tree: FieldTree = new Map();
  for (const path of optFields.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [top] = path.split('.');
    if (!TASK_FIELDS.includes(top!)) throw httpError(400, `opt_fields: Unknown field: ${path}`); // approximated
    let node = tree;
    for (const key of path.split('.')) {
      if (!node.has(key)) node.set(key, new Map());
      node = node.get(key)!;
    }
  }
  return tree;
}

/** gid always; a nested object named without sub-fields comes back compact ({ gid, resource_type }). */
function project(record: Json, tree: FieldTree): Json {
  const out: Json = { gid: record['gid'] };
  for (const [key, sub] of tree) {
    const value = record[key];
    out[key] = Array.isArray(value) ? value.map((v) => projectValue(v, sub)) : projectValue(value, sub);
  }
  return out;
}

function projectValue(value: unknown, sub: FieldTree): unknown {
  if (typeof value !== 'object' || value === null) return value ?? null;
  const obj = value as Json;
  if (sub.size) return project(obj, sub);
  return { gid: obj['gid'], resource_type: obj['resource_type'] };
}

/** The task's rich text: as written, or its plain notes escaped. */
export function htmlNotesOf(task: FakeTask): string {
  return task.html_notes ?? plainToRichText(task.notes);
}

/**
 * Sets the description from `notes` (the rich text becomes that text) or from `html_notes` (checked
 * like Asana: 400 for rich text that is not valid XML of known tags; the notes become its text).
 */
export function writeNotes(task: FakeTask, write: { notes?: string; html_notes?: string }): void {
  if (write.notes !== undefined && write.html_notes !== undefined) throw httpError(400, 'You may only provide one of notes or html_notes'); // approximated
  if (write.notes !== undefined) {
    task.notes = write.notes;
    delete task.html_notes;
  } else if (write.html_notes !== undefined) {
    const problem = richTextProblem(write.html_notes);
    if (problem) throw httpError(400, `html_notes: XML is invalid: ${problem}`); // approximated
    task.html_notes = write.html_notes;
    task.notes = richTextToPlain(write.html_notes);
  }
}
