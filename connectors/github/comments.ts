// GitHub issue comments (issue 15): GET /repos/{o}/{r}/issues/{n}/comments (pages of 100), POST the same path,
// PATCH and DELETE /repos/{o}/{r}/issues/comments/{id}. A copy carries its marker as an HTML comment, which
// GitHub keeps in the body and does not render.
import type { Octokit } from '@octokit/rest';
import type { CommentsCapability, RemoteComment, TicketRef } from '../contract.ts';
import { TrackerError } from '../errors.ts';
import { findCommentMarker, markdownComment } from '../comment-text.ts';
import type { Repo } from './refs.ts';

type GhComment = { id: number; body?: string | null; user?: { login?: string } | null; created_at: string; updated_at: string };
type Answer<T> = { status: number; headers: Record<string, string | number | undefined>; data: T };
type Send = <T>(what: string, onTicket: boolean, call: () => Promise<Answer<T>>) => Promise<Answer<T>>;

/** GitHub refuses longer comments (422). */
export const GITHUB_COMMENT_MAX = 65_536;
const MAX_PAGES = 50;

function remoteOf(c: GhComment): RemoteComment {
  const body = (c.body ?? '').replace(/\r\n?/g, '\n');
  return {
    remoteId: String(c.id),
    body,
    authorName: c.user?.login ?? 'ghost',
    markerCommentId: findCommentMarker(body),
    createdAt: new Date(c.created_at),
    updatedAt: new Date(c.updated_at),
  };
}

export function githubComments(octokit: Octokit, repo: Repo, send: Send): CommentsCapability {
  const n = (ref: TicketRef) => Number(ref.remoteId);
  const fit = (body: string) => {
    if (body.length > GITHUB_COMMENT_MAX) throw new TrackerError('github', 'rejected', `the comment is ${body.length} characters; GitHub takes at most ${GITHUB_COMMENT_MAX}`);
    return body;
  };
  return {
    async list(ref) {
      const out: RemoteComment[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await send(`comments of issue #${ref.remoteId}`, true, () =>
          octokit.rest.issues.listComments({ owner: repo.owner, repo: repo.repo, issue_number: n(ref), per_page: 100, page }) as Promise<Answer<GhComment[]>>,
        );
        out.push(...res.data.map(remoteOf));
        if (res.data.length < 100) break;
      }
      return out;
    },
    async create(ref, comment) {
      const body = fit(markdownComment(comment));
      const res = await send(`commenting on issue #${ref.remoteId}`, true, () =>
        octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.repo, issue_number: n(ref), body }) as Promise<Answer<GhComment>>,
      );
      return remoteOf(res.data);
    },
    async update(_ref, remoteId, comment) {
      const body = fit(markdownComment(comment));
      const res = await send(`editing comment ${remoteId}`, true, () =>
        octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.repo, comment_id: Number(remoteId), body }) as Promise<Answer<GhComment>>,
      );
      return remoteOf(res.data);
    },
    async delete(_ref, remoteId) {
      try {
        await send(`deleting comment ${remoteId}`, true, () =>
          octokit.rest.issues.deleteComment({ owner: repo.owner, repo: repo.repo, comment_id: Number(remoteId) }) as Promise<Answer<unknown>>,
        );
      } catch (err) {
        if (err instanceof TrackerError && err.kind === 'gone') return;
        throw err;
      }
    },
  };
}
