// The Asana connector, on the official SDK (asana 3: CommonJS, superagent underneath). Each
// connector gets its own ApiClient: ApiClient.instance is a process-wide singleton, and several
// connectors (or tests) with different tokens and base URLs may live in one process.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Asana from 'asana';
import type { ChangedTicket, Connector, FieldTimes, OutboundTicket, RemoteTicket, TicketChange, TicketContext, TicketField, TicketFields, TicketRef, UpdatedTicket, WithheldChange } from '../contract.ts';
import { TrackerError } from '../errors.ts';
import { asanaComments } from './comments.ts';
import { asanaTags } from './tags.ts';
import { RecentReads } from '../recent-reads.ts';
import { descriptionOf, plainBody } from '../body.ts';
import type { People } from '../people.ts';
import {
  assigneeFor,
  canonicalFields,
  completedFor,
  customFieldsFor,
  fieldsFromTask,
  markerOf,
  milestoneWrite,
  notesWithFooter,
  tagNames,
  type AsanaMapping,
  type AsanaTaskFields,
} from './mapping.ts';
import { classifyAsanaError } from './errors.ts';
import { footerWrite, notesWrite } from './html-notes.ts';
import { parseTaskRef } from './task-ref.ts';
import { checkAsana } from './check.ts';

import type { AsanaSettings } from './settings.ts';
export type { AsanaSettings };

export type AsanaConnectorOptions = {
  /** The connection this connector serves (default: the kind's own name, as the environment-only set-up names it). */
  connection?: string;
  settings: AsanaSettings;
  mapping: AsanaMapping;
  people: People;
  timeoutMs?: number;
  /** Told of every HTTP call's answer (its status, or 'network' / 'timeout' when none came): for metrics. */
  onCall?: (status: number | 'network' | 'timeout') => void;
};

export const ASANA_API_URL = 'https://app.asana.com/api/1.0';

/** What read and lookup ask for; Asana returns only gid plus the opt_fields named. */
// html_notes too: the update that follows a sync's read starts from that read (one GET per update, not two).
export const TASK_OPT_FIELDS = 'name,notes,html_notes,completed,assignee,custom_fields.enum_value,custom_fields.text_value,tags.name,projects,permalink_url,modified_at';
/** What create and update need back to report the ref and notice a task that left the project. */
export const REF_OPT_FIELDS = 'permalink_url,projects';
/** The read before an update: membership (checked before writing) and, when the notes change, the notes and their rich text. */
export const CHECK_OPT_FIELDS = 'projects,permalink_url';
export const CHECK_NOTES_OPT_FIELDS = 'notes,html_notes,projects,permalink_url';
export const FIND_OPT_FIELDS = 'name,notes,permalink_url';
export const FIND_PAGE_SIZE = 100;
/** modified_since is compared with Asana's clock, not ours: widen the window by this much. */
export const CLOCK_SKEW_MS = 60_000;

/** Which defect field a system story records a change of (a custom field's story: see fieldOfStory). */
const FIELD_OF_STORY: Record<string, TicketField> = {
  name_changed: 'title',
  notes_changed: 'description',
  marked_complete: 'status',
  marked_incomplete: 'status',
  assigned: 'assignee',
  unassigned: 'assignee',
};

type Story = { created_at?: string; resource_subtype?: string; custom_field?: { gid?: string } | null };

/** A change of an enum custom field is a severity change only when it is the configured severity field. */
function fieldOfStory(story: Story, severityFieldGid: string | undefined, milestoneFieldGid?: string): TicketField | undefined {
  if (story.resource_subtype === 'enum_custom_field_changed') return severityFieldGid && story.custom_field?.gid === severityFieldGid ? 'severity' : undefined;
  if (story.resource_subtype === 'text_custom_field_changed') return milestoneFieldGid && story.custom_field?.gid === milestoneFieldGid ? 'milestone' : undefined;
  if (story.resource_subtype === 'added_to_tag' || story.resource_subtype === 'removed_from_tag') return 'tags';
  return FIELD_OF_STORY[story.resource_subtype ?? ''];
}
/** Asana's largest page. */
const POLL_PAGE_SIZE = 100;
/**
 * A runaway guard for one poll: 100,000 tasks modified since the cursor. A poll that would need more
 * fails (its cursor kept) rather than move the cursor past tasks it did not read.
 */
const MAX_POLL_PAGES = 1000;
/**
 * Stories are listed oldest first only, so the newest are on the last page: a task's stories are read to
 * the end, up to this many pages (5,000 stories); a task with more takes its updated time for every field.
 */
const MAX_STORY_PAGES = 50;

type TaskRecord = AsanaTaskFields & {
  html_notes?: string | null;
  gid?: string;
  permalink_url?: string;
  modified_at?: string;
  projects?: { gid: string }[];
};

type Page = { data?: TaskRecord[]; next_page?: { offset?: string } | null };

export function createAsanaConnector(options: AsanaConnectorOptions): Connector {
  const { settings, mapping, people } = options;
  const client = new Asana.ApiClient();
  client.basePath = (settings.apiUrl || ASANA_API_URL).replace(/\/+$/, '');
  client.authentications['token'] = { type: 'personalAccessToken', accessToken: settings.token };
  // superagent's own timeout (the SDK calls request.timeout(client.timeout)); the SDK never retries.
  client.timeout = options.timeoutMs ?? 15_000;
  // superagent pools no connections unless given an agent: without one every call opened (and for
  // https negotiated) a new connection.
  client.requestAgent = client.basePath.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  // Plain { data, next_page } pages instead of the SDK's Collection wrapper.
  client.RETURN_COLLECTION = false;
  if (options.onCall) countCalls(client, options.onCall);
  const tasks = new Asana.TasksApi(client);
  const stories = new Asana.StoriesApi(client);
  const projects = new Asana.ProjectsApi(client);
  let workspaceGid: string | null = settings.workspaceGid || null;
  // Tasks read in the last few seconds, each taken at most once: the sync's read, handed to the update
  // that follows it in the same job. Older readings are dropped rather than trusted.
  const justRead = new RecentReads<string, TaskRecord>({ maxSize: 1000, maxAgeMs: 10_000 });
  const tags = asanaTags(new Asana.TagsApi(client), call, async () => {
    // Configured, or the project's own (asked once).
    workspaceGid ??= ((await call(() => projects.getProject(settings.projectGid, { opt_fields: 'workspace' }))) as { data?: { workspace?: { gid?: string } } }).data?.workspace?.gid ?? null;
    if (!workspaceGid) throw new TrackerError('asana', 'transient', `asana answered project ${settings.projectGid} without its workspace`);
    return workspaceGid;
  });
  /** Gids for tag names (each created in the workspace on first use). */
  const tagGids = async (names: readonly string[]) => {
    // One after another: the first lists the workspace's tags, the rest use that listing.
    const out: string[] = [];
    for (const n of names) out.push(await tags.gidOf(n));
    return out;
  };

  async function call<T>(run: () => Promise<T>, onTicket = false): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw classifyAsanaError(err, { onTicket });
    }
  }

  function taskOf(body: unknown, what: string): TaskRecord {
    const task = (body as { data?: TaskRecord } | null)?.data;
    if (!task || typeof task.gid !== 'string') throw new TrackerError('asana', 'transient', `asana answered ${what} without a task record`);
    return task;
  }

  function refOf(task: TaskRecord): TicketRef {
    return { remoteId: task.gid!, key: task.gid!, url: task.permalink_url ?? '' };
  }

  function inProject(task: TaskRecord): boolean {
    return (task.projects ?? []).some((p) => p.gid === settings.projectGid);
  }

  function ensureInProject(task: TaskRecord): void {
    if (!inProject(task)) {
      throw new TrackerError('asana', 'moved', `asana task ${task.gid} is no longer in project ${settings.projectGid}`);
    }
  }

  function remoteOf(task: TaskRecord): RemoteTicket {
    return {
      ...refOf(task),
      fields: fieldsFromTask(task, mapping, people),
      markerDefectId: markerOf(task.notes),
      updatedAt: new Date(task.modified_at ?? 0),
      unmappedAssignee: task.assignee?.gid && !people.fromRemote('asana', task.assignee.gid) ? task.assignee.gid : null,
    };
  }

  async function getTask(gid: string): Promise<TaskRecord> {
    const body = await call(() => tasks.getTask(gid, { opt_fields: TASK_OPT_FIELDS }), true);
    return taskOf(body, `GET /tasks/${gid}`);
  }

  return {
    kind: 'asana',
    connection: options.connection ?? 'asana',
    comments: asanaComments(stories, call),

    // The webhook is this service's own registration: src/sync/check.ts reports it.
    check: () => checkAsana(client, settings, mapping),

    canonical(fields: TicketFields, context?: TicketContext): TicketFields {
      const read = canonicalFields(fields, mapping, people);
      // Asana sets no length limit on notes: nothing is cut, and the notes read back as written.
      return context ? { ...read, description: descriptionOf(plainBody({ fields, context })) } : read;
    },

    async create(ticket: OutboundTicket): Promise<TicketRef> {
      const { fields } = ticket;
      const customFields = { ...customFieldsFor(fields.severity, mapping), ...(fields.milestone && milestoneWrite(fields.milestone, mapping)) };
      const tagged = await tagGids(tagNames(fields.tags));
      const data = {
        name: fields.title.trim(),
        notes: plainBody(ticket),
        projects: [settings.projectGid],
        ...(settings.workspaceGid && { workspace: settings.workspaceGid }),
        assignee: assigneeFor(fields.assignee, people),
        // Asana takes completed on create, so a defect created already fixed needs no second call.
        ...(completedFor(fields.status) && { completed: true }),
        ...(Object.keys(customFields).length && { custom_fields: customFields }),
        ...(tagged.length && { tags: tagged }),
      };
      const body = await call(() => tasks.createTask({ data }, { opt_fields: REF_OPT_FIELDS }));
      // Nothing follows the create (completed and tags ride in it), so onCreated is not needed: the
      // engine records the ref returned with the sync's own write.
      return refOf(taskOf(body, 'POST /tasks'));
    },

    async update(ref: TicketRef, ticket: OutboundTicket, changes: ReadonlySet<TicketChange>): Promise<UpdatedTicket> {
      const { fields } = ticket;
      if (!changes.size) return ref;
      // Severity and context show in the footer. Without a description change only the footer is
      // re-rendered, under the notes as the task holds them, so what a person wrote there stays.
      const footerOnly = !changes.has('description') && (changes.has('severity') || changes.has('context'));
      // One GET before any write: is the task still in the project (a task moved out is not written
      // to), and, when the notes change, what they hold now: rich text a person formatted is kept
      // (html-notes.ts).
      const opt_fields = (footerOnly || changes.has('description') ? CHECK_NOTES_OPT_FIELDS : CHECK_OPT_FIELDS) + (changes.has('tags') ? ',tags.name' : '');
      // The sync's read of a moment ago when there is one (it asked for all of these fields), else one GET.
      const current = justRead.take(ref.remoteId)?.value ?? taskOf(await call(() => tasks.getTask(ref.remoteId, { opt_fields }), true), `GET /tasks/${ref.remoteId}`);
      ensureInProject(current);
      const data: Record<string, unknown> = {};
      const withheld: WithheldChange[] = [];
      if (changes.has('title')) data['name'] = fields.title.trim();
      const footer = plainBody({ ...ticket, fields: { ...fields, description: '' } });
      if (changes.has('description') || footerOnly) {
        const write = changes.has('description')
          ? notesWrite(current, plainBody(ticket), footer)
          : footerWrite(current, notesWithFooter(current.notes, footer), footer);
        if ('refused' in write) {
          withheld.push({
            change: changes.has('description') ? 'description' : 'context',
            reason: changes.has('description')
              ? `the defect's description change was not written to Asana task ${ref.remoteId}: ${write.refused}; make the change in Asana (or remove that formatting there) to bring the two together`
              : `the footer of Asana task ${ref.remoteId} (severity, failing runs, link to the defect) was not updated: ${write.refused}`,
          });
        } else Object.assign(data, write);
      }
      const customFields = {
        ...(changes.has('severity') && customFieldsFor(fields.severity, mapping)),
        ...(changes.has('milestone') && milestoneWrite(fields.milestone, mapping)),
      };
      if (Object.keys(customFields).length) data['custom_fields'] = customFields;
      if (changes.has('status')) data['completed'] = completedFor(fields.status);
      if (changes.has('assignee')) data['assignee'] = assigneeFor(fields.assignee, people);
      // Tags cannot be written with the task (PUT ignores them): one addTag or removeTag call per tag.
      if (changes.has('tags')) {
        const wanted = tagNames(fields.tags);
        const onTask = current.tags ?? [];
        for (const name of wanted.filter((n) => !onTask.some((t) => t.name?.trim() === n))) {
          const tag = await tags.gidOf(name);
          await call(() => tasks.addTagForTask({ data: { tag } }, ref.remoteId), true);
        }
        for (const t of onTask.filter((x) => !wanted.includes(x.name?.trim() ?? ''))) {
          await call(() => tasks.removeTagForTask({ data: { tag: t.gid } }, ref.remoteId), true);
        }
      }
      const written = Object.keys(data).length
        ? refOf(taskOf(await call(() => tasks.updateTask({ data }, ref.remoteId, { opt_fields: REF_OPT_FIELDS }), true), `PUT /tasks/${ref.remoteId}`))
        : refOf(current);
      return withheld.length ? { ...written, withheld } : written;
    },

    async read(ref: TicketRef): Promise<RemoteTicket> {
      const task = await getTask(ref.remoteId);
      ensureInProject(task);
      justRead.put(ref.remoteId, task);
      return remoteOf(task);
    },

    async findByMarker(defectId: string, since: Date): Promise<TicketRef | null> {
      const wanted = defectId.toLowerCase();
      const query = {
        project: settings.projectGid,
        modified_since: new Date(since.getTime() - CLOCK_SKEW_MS).toISOString(),
        limit: FIND_PAGE_SIZE,
        opt_fields: FIND_OPT_FIELDS,
      };
      const seen = new Set<string>();
      let offset: string | undefined;
      do {
        const page = (await call(() => tasks.getTasks({ ...query, ...(offset && { offset }) }))) as Page;
        const hit = (page.data ?? []).find((t) => markerOf(t.notes) === wanted);
        if (hit?.gid) return refOf(hit);
        offset = page.next_page?.offset;
        // A server handing back an offset it already gave would otherwise keep us here forever.
        if (offset && seen.has(offset)) break;
        if (offset) seen.add(offset);
      } while (offset);
      return null;
    },

    async fieldTimes(ref: TicketRef, fields: readonly TicketField[], remote: RemoteTicket): Promise<FieldTimes> {
      // The task's stories record each change (name_changed, marked_complete…), oldest first: the last
      // of each kind is the field's time, so every page is read.
      const times: FieldTimes = {};
      const severityFieldGid = mapping.severityField?.gid;
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = (await call(
          () => stories.getStoriesForTask(ref.remoteId, { limit: 100, opt_fields: 'created_at,resource_subtype,custom_field', ...(offset && { offset }) }),
          true,
        )) as { data?: Story[]; next_page?: { offset?: string } | null };
        for (const story of page.data ?? []) {
          const field = fieldOfStory(story, severityFieldGid, mapping.milestoneField?.gid);
          const at = story.created_at ? new Date(story.created_at) : null;
          if (field && at && !Number.isNaN(at.getTime())) times[field] = at;
        }
        offset = page.next_page?.offset ?? undefined;
      } while (offset && ++pages < MAX_STORY_PAGES);
      // Stories left unread may hold a newer change of any field: the updated time is then all that is sure.
      if (offset) return Object.fromEntries(fields.map((f) => [f, remote.updatedAt]));
      return Object.fromEntries(fields.map((f) => [f, times[f] ?? remote.updatedAt]));
    },

    async changedSince(since: Date): Promise<ChangedTicket[]> {
      // Asana lists a project's tasks in project order, whatever modified_since says: the newest change
      // may be on the last page. Stopping early would leave tasks unread on later pages that the cursor
      // then passes for good, so every page is read (`limit` cannot apply) and the result sorted.
      const out: ChangedTicket[] = [];
      const seen = new Set<string>();
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = (await call(() =>
          tasks.getTasks({ project: settings.projectGid, modified_since: since.toISOString(), limit: POLL_PAGE_SIZE, opt_fields: 'modified_at', ...(offset && { offset }) }),
        )) as Page;
        for (const task of page.data ?? []) if (task.gid && task.modified_at) out.push({ remoteId: task.gid, updatedAt: new Date(task.modified_at) });
        offset = page.next_page?.offset ?? undefined;
        // A server handing back an offset it already gave would otherwise keep us here forever.
        if (offset && seen.has(offset)) throw new TrackerError('asana', 'transient', 'asana repeated a pagination offset while listing the project’s modified tasks');
        if (offset) seen.add(offset);
        if (offset && ++pages >= MAX_POLL_PAGES) {
          // Not a verdict: the cursor stays where it is (nothing past it was read) and the next pass tries again.
          throw new TrackerError(
            'asana',
            'transient',
            `asana: more than ${MAX_POLL_PAGES * POLL_PAGE_SIZE} tasks of project ${settings.projectGid} were modified since ${since.toISOString()}; the poll reads them all or none`,
          );
        }
      } while (offset);
      return out.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    },

    async lookup(keyOrUrl: string): Promise<RemoteTicket> {
      const parsed = parseTaskRef(keyOrUrl);
      if ('error' in parsed) throw new TrackerError('asana', 'rejected', parsed.error);
      if (parsed.workspaceGid && settings.workspaceGid && parsed.workspaceGid !== settings.workspaceGid) {
        throw new TrackerError('asana', 'rejected', `the link points into Asana workspace ${parsed.workspaceGid}, not the configured ${settings.workspaceGid}`);
      }
      const task = await getTask(parsed.taskGid);
      // The project in a link is only the view it was copied from; membership is what counts.
      if (!inProject(task)) {
        throw new TrackerError('asana', 'rejected', `asana task ${task.gid} is not in the configured project ${settings.projectGid}`);
      }
      return remoteOf(task);
    },
  };
}

/**
 * Every API method of the SDK goes through ApiClient.callApi, which resolves with superagent's response
 * (its status) or rejects with superagent's error (status, or a timeout / network failure): the one
 * place where each call's answer is visible.
 */
function countCalls(client: Asana.ApiClient, onCall: NonNullable<AsanaConnectorOptions['onCall']>): void {
  type CallApi = (...args: unknown[]) => Promise<{ response?: { status?: number } }>;
  const api = client as unknown as { callApi: CallApi };
  const callApi = api.callApi.bind(client);
  api.callApi = (...args) =>
    callApi(...args).then(
      (answer) => (onCall(answer.response?.status ?? 200), answer),
      (err: { status?: number; timeout?: number }) => {
        onCall(typeof err?.status === 'number' ? err.status : err?.timeout !== undefined ? 'timeout' : 'network');
        throw err;
      },
    );
}
