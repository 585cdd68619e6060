// Jira comments (issue 15), REST v3 through jira.js: GET /rest/api/3/issue/{id}/comment (orderBy created,
// pages of 100), POST the same path, PUT and DELETE …/comment/{commentId}. Bodies are ADF built from the
// Markdown's paragraphs by the same converter as descriptions (adf.ts); read back as text (adf-text.ts).
// Jira has no hidden text in a comment, so a copy's marker is its last paragraph ("defect-sync-comment-<id>").
// Visibility restrictions (a comment limited to a role or group) are not carried: such comments are read
// only when the token's account may see them, and copies are written visible to all who see the issue.
import type { JiraClient } from './sdk.ts';
import type { CommentsCapability, OutboundComment, RemoteComment, TicketRef } from '../contract.ts';
import { TrackerError } from '../errors.ts';
import { commentMarker, findCommentMarker } from '../comment-text.ts';
import { adfDoc, paragraph, paragraphsOf, type AdfDoc, type AdfNode } from './adf.ts';
import { blocksText, isNode } from './adf-text.ts';

/** Jira's text fields hold at most 32,767 characters. */
export const JIRA_COMMENT_MAX = 32_767;
const PAGE = 100;
const MAX_PAGES = 50;

type JiraComment = { id?: string; body?: unknown; author?: { displayName?: string }; created?: string | Date; updated?: string | Date };

export function commentDoc(c: OutboundComment): AdfDoc {
  const body = paragraphsOf(c.body).map(paragraph);
  if (c.raw) return adfDoc(body);
  const head: AdfNode = {
    type: 'paragraph',
    content: [{ type: 'text', text: c.authorName, marks: [{ type: 'strong' }] }, { type: 'text', text: ` wrote in ${c.writtenIn}:` }],
  };
  return adfDoc([head, ...body, paragraph(commentMarker(c.commentId))]);
}

function remoteOf(c: JiraComment): RemoteComment {
  const body = isNode(c.body) && Array.isArray(c.body.content) ? blocksText(c.body.content.filter(isNode)).trim() : typeof c.body === 'string' ? c.body.trim() : '';
  return {
    remoteId: String(c.id),
    body,
    authorName: c.author?.displayName ?? 'Unknown',
    markerCommentId: findCommentMarker(body),
    createdAt: new Date(c.created ?? 0),
    updatedAt: new Date(c.updated ?? c.created ?? 0),
  };
}

export function jiraComments(jira: JiraClient, call: <T>(fn: () => Promise<T>, onTicket?: boolean) => Promise<T>): CommentsCapability {
  const fit = (doc: AdfDoc) => {
    const size = blocksText(doc.content).length;
    if (size > JIRA_COMMENT_MAX) throw new TrackerError('jira', 'rejected', `the comment is ${size} characters; Jira takes at most ${JIRA_COMMENT_MAX}`);
    return doc;
  };
  return {
    async list(ref: TicketRef) {
      const out: RemoteComment[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await call(() => jira.issueComments.getComments({ issueIdOrKey: ref.remoteId, startAt: page * PAGE, maxResults: PAGE, orderBy: 'created' }), true);
        const comments = (res.comments ?? []) as JiraComment[];
        out.push(...comments.map(remoteOf));
        if (comments.length < PAGE || out.length >= (res.total ?? 0)) break;
      }
      return out;
    },
    async create(ref, comment) {
      const body = fit(commentDoc(comment));
      return remoteOf((await call(() => jira.issueComments.addComment({ issueIdOrKey: ref.remoteId, body } as never), true)) as JiraComment);
    },
    async update(ref, remoteId, comment) {
      const body = fit(commentDoc(comment));
      return remoteOf((await call(() => jira.issueComments.updateComment({ issueIdOrKey: ref.remoteId, id: remoteId, body: { body } } as never), true)) as JiraComment);
    },
    async delete(ref, remoteId) {
      try {
        await call(() => jira.issueComments.deleteComment({ issueIdOrKey: ref.remoteId, id: remoteId }), true);
      } catch (err) {
        if (err instanceof TrackerError && err.kind === 'gone') return;
        throw err;
      }
    },
  };
}
