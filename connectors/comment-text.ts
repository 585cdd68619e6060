// How a defect comment reads on a ticket (issue 15): an attribution line, the body, and a marker naming the
// defect comment, so a read-back or a replay is recognised as ours. GitHub hides the marker in an HTML
// comment; Jira and Asana have no hidden text in comments, so there the marker is a short last line
// ("defect-sync-comment-<uuid>"), which survives edits of the text above it and any re-rendering.
import type { OutboundComment } from './contract.ts';

const PREFIX = 'defect-sync-comment-';
const FIND = /defect-sync-comment-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

export function commentMarker(commentId: string): string {
  return `${PREFIX}${commentId.toLowerCase()}`;
}

export function findCommentMarker(text: string | null | undefined): string | null {
  const m = text ? FIND.exec(text) : null;
  return m ? m[1]!.toLowerCase() : null;
}

/** "**Ana** wrote in Defect Sync:" (Markdown bold; characters that would break it are escaped). */
export function attribution(c: OutboundComment): string {
  return `**${c.authorName.replace(/([*_`\\])/g, '\\$1')}** wrote in ${c.writtenIn}:`;
}

/** The Markdown of a comment copy with the marker as an HTML comment (GitHub). */
export function markdownComment(c: OutboundComment): string {
  if (c.raw) return c.body;
  return `${attribution(c)}\n\n${c.body}\n\n<!-- ${commentMarker(c.commentId)} -->`;
}

/** The plain text of a comment copy with the marker as its last line (Asana). */
export function plainComment(c: OutboundComment): string {
  if (c.raw) return c.body;
  return `${c.authorName} wrote in ${c.writtenIn}:\n\n${c.body}\n\n${commentMarker(c.commentId)}`;
}

/** Where each tracker's comments are written in the attribution line of a copy. */
export const TRACKER_TITLES = { github: 'GitHub', jira: 'Jira', asana: 'Asana' } as const;
