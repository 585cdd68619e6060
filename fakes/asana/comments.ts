// The fake Asana's comments: stories of type comment on a task (POST /tasks/{gid}/stories {data:{text}},
// PUT /stories/{gid}, DELETE /stories/{gid}, and among the task's stories in GET /tasks/{gid}/stories). As
// Asana: a story without text (or html_text) is 400; only a comment's author may edit or delete it (403
// otherwise; system stories cannot be edited at all). Every comment added, changed or removed, through the
// API or by a "person", is announced to the project's webhooks as a compact story event whose parent is the
// task, as Asana sends them.
import { httpError, idStart, type FakeRequest, type FakeResponse, type Route } from '../kit.ts';
import type { AsanaFakeState, FakeStory, FakeTask } from './state.ts';

export type FakeCommentStory = FakeStory & { authorGid: string; taskGid: string; is_edited: boolean; deleted: boolean };

type Ctx = {
  api: string;
  state: AsanaFakeState;
  /** Sends compact events about a task to the project's webhooks (faults applied). */
  announce: (task: FakeTask, events: unknown[]) => void;
};

export function asanaComments(ctx: Ctx) {
  const stories = new Map<string, FakeCommentStory>();
  // Comment gids of their own, from a random start: see idStart.
  let nextGid = 1_209_500_000_000_000n + BigInt(idStart(0));

  function json(s: FakeCommentStory): Record<string, unknown> {
    const user = ctx.state.users.find((u) => u.gid === s.authorGid);
    return {
      gid: s.gid,
      resource_type: 'story',
      type: 'comment',
      resource_subtype: 'comment_added',
      text: s.text,
      created_at: s.created_at,
      created_by: { gid: s.authorGid, resource_type: 'user', name: user?.name ?? 'Someone' },
      is_edited: s.is_edited,
      target: { gid: s.taskGid, resource_type: 'task' },
    };
  }

  function textOf(req: FakeRequest): string {
    const data = (req.body as { data?: Record<string, unknown> } | undefined)?.data;
    if (!data || typeof data !== 'object') throw httpError(400, 'data: Missing input');
    const text = data['text'];
    if (text === undefined && data['html_text'] === undefined) throw httpError(400, 'text: Missing input'); // approximated
    if (typeof text !== 'string') throw httpError(400, `text: Not a string: ${JSON.stringify(text)}`);
    if (text.trim() === '') throw httpError(400, 'text: Cannot be empty'); // approximated
    return text;
  }

  function find(gid: string): FakeCommentStory {
    const s = stories.get(gid);
    if (!s || s.deleted) throw httpError(404, 'story: Unknown object: ' + gid); // approximated
    return s;
  }

  const event = (s: FakeCommentStory, action: 'added' | 'changed' | 'removed') => ({
    user: { gid: s.authorGid, resource_type: 'user' },
    created_at: new Date().toISOString(),
    action,
    resource: { gid: s.gid, resource_type: 'story', resource_subtype: 'comment_added' },
    parent: { gid: s.taskGid, resource_type: 'task', resource_subtype: 'default_task' },
    ...(action === 'changed' && { change: { field: 'text', action: 'changed' } }),
  });
  const tell = (s: FakeCommentStory, action: 'added' | 'changed' | 'removed') => {
    const task = ctx.state.tasks.get(s.taskGid);
    if (task) ctx.announce(task, [event(s, action)]);
  };

  function create(task: FakeTask, text: string, authorGid: string): FakeCommentStory {
    const s: FakeCommentStory = { gid: String(nextGid++), created_at: new Date().toISOString(), resource_subtype: 'comment_added', text, authorGid, taskGid: task.gid, is_edited: false, deleted: false };
    stories.set(s.gid, s);
    (task.stories ??= []).push(s);
    tell(s, 'added');
    return s;
  }
  function edit(s: FakeCommentStory, text: string): FakeCommentStory {
    s.text = text;
    s.is_edited = true;
    tell(s, 'changed');
    return s;
  }
  function remove(s: FakeCommentStory): void {
    s.deleted = true;
    const task = ctx.state.tasks.get(s.taskGid);
    if (task?.stories) task.stories = task.stories.filter((x) => x.gid !== s.gid);
    tell(s, 'removed');
  }
  const mine = (s: FakeCommentStory) => {
    if (s.authorGid !== ctx.state.meGid) throw httpError(403, 'You do not have permission to edit or delete this story'); // approximated
    return s;
  };

  const routes: Route[] = [
    { name: 'comments.create', method: 'POST', path: `${ctx.api}/tasks/:task_gid/stories`, handle: (req): FakeResponse => ({ status: 201, body: { data: json(create(ctx.state.findTask(req.params['task_gid']!), textOf(req), ctx.state.meGid)) } }) },
    { name: 'comments.get', method: 'GET', path: `${ctx.api}/stories/:story_gid`, handle: (req) => ({ status: 200, body: { data: json(find(req.params['story_gid']!)) } }) },
    {
      name: 'comments.update', method: 'PUT', path: `${ctx.api}/stories/:story_gid`,
      handle: (req) => {
        const s = mine(find(req.params['story_gid']!));
        return { status: 200, body: { data: json(edit(s, textOf(req))) } };
      },
    },
    {
      name: 'comments.delete', method: 'DELETE', path: `${ctx.api}/stories/:story_gid`,
      handle: (req) => {
        remove(mine(find(req.params['story_gid']!)));
        return { status: 200, body: { data: {} } };
      },
    },
  ];

  return {
    routes,
    /** A story of the task's list as GET /tasks/{gid}/stories shows it, if it is a comment. */
    storyJson: (gid: string) => {
      const s = stories.get(gid);
      return s && !s.deleted ? json(s) : undefined;
    },
    /** The live comments of a task, oldest first. */
    of: (taskGid: string) => [...stories.values()].filter((s) => s.taskGid === taskGid && !s.deleted).map(json),
    /** A person comments in Asana (announced); the author is a workspace user (default: a new "Carol Asana"). */
    byHand: (taskGid: string, text: string, author?: { gid: string; name: string }) => {
      const who = author ?? { gid: '1209000000000777', name: 'Carol Asana' };
      if (!ctx.state.users.some((u) => u.gid === who.gid)) ctx.state.users.push({ gid: who.gid, name: who.name, email: `${who.gid}@example.com` });
      return json(create(ctx.state.findTask(taskGid), text, who.gid));
    },
    editByHand: (gid: string, text: string) => json(edit(find(gid), text)),
    deleteByHand: (gid: string) => remove(find(gid)),
  };
}
