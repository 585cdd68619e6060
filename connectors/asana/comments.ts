// Asana comments (issue 15) are stories of type comment: GET /tasks/{gid}/stories (pages of 100, only
// type "comment" kept), POST /tasks/{gid}/stories {data:{text}}, PUT /stories/{gid} {data:{text}},
// DELETE /stories/{gid}. Plain text: a copy reads "Ana wrote in Defect Sync:", the body, and the marker as
// its last line. Asana lets a token edit or delete only the stories its own account wrote: an edit in
// Defect Sync of a comment a person wrote in Asana is refused there (the link says so), never forced.
import type Asana from 'asana';
import type { CommentsCapability, RemoteComment } from '../contract.ts';
import { TrackerError } from '../errors.ts';
import { findCommentMarker, plainComment } from '../comment-text.ts';

type Story = { gid?: string; text?: string; type?: string; resource_subtype?: string; created_by?: { name?: string } | null; created_at?: string };
type Call = <T>(run: () => Promise<T>, onTicket?: boolean) => Promise<T>;

const OPT_FIELDS = 'text,type,resource_subtype,created_by.name,created_at';
const MAX_PAGES = 50;

function remoteOf(s: Story): RemoteComment {
  const body = (s.text ?? '').replace(/\r\n?/g, '\n').trim();
  const at = new Date(s.created_at ?? 0);
  return { remoteId: String(s.gid), body, authorName: s.created_by?.name ?? 'Unknown', markerCommentId: findCommentMarker(body), createdAt: at, updatedAt: at };
}

function storyOf(body: unknown, what: string): Story {
  const story = (body as { data?: Story } | null)?.data;
  if (!story || typeof story.gid !== 'string') throw new TrackerError('asana', 'transient', `asana answered ${what} without a story`);
  return story;
}

export function asanaComments(stories: Asana.StoriesApi, call: Call): CommentsCapability {
  return {
    async list(ref) {
      const out: RemoteComment[] = [];
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = (await call(() => stories.getStoriesForTask(ref.remoteId, { limit: 100, opt_fields: OPT_FIELDS, ...(offset && { offset }) }), true)) as {
          data?: Story[];
          next_page?: { offset?: string } | null;
        };
        for (const s of page.data ?? []) if (s.type === 'comment' || s.resource_subtype === 'comment_added') out.push(remoteOf(s));
        offset = page.next_page?.offset ?? undefined;
      } while (offset && ++pages < MAX_PAGES);
      return out;
    },
    async create(ref, comment) {
      const body = await call(() => stories.createStoryForTask({ data: { text: plainComment(comment) } }, ref.remoteId, { opt_fields: OPT_FIELDS }), true);
      return remoteOf(storyOf(body, 'a comment create'));
    },
    async update(_ref, remoteId, comment) {
      const body = await call(() => stories.updateStory({ data: { text: plainComment(comment) } }, remoteId, { opt_fields: OPT_FIELDS }), true);
      return remoteOf(storyOf(body, 'a comment edit'));
    },
    async delete(_ref, remoteId) {
      try {
        await call(() => stories.deleteStory(remoteId), true);
      } catch (err) {
        if (err instanceof TrackerError && err.kind === 'gone') return;
        throw err;
      }
    },
  };
}
