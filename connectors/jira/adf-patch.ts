// The description field to write when the defect's description changed, given what the issue holds
// (pure). A document of plain paragraphs (what renderDescription writes) is rendered anew. A document
// where a person added content the plain text cannot carry (an image, a table, a mention, bold text, a
// panel…) is patched instead (rich-patch.ts): its unchanged blocks and its images stay node for node and
// only plain paragraphs are rewritten; when the edit would change or remove such content, or the result
// would not fit Jira's limit whole, nothing is written and the reason is given for a warning.
import type { OutboundTicket } from '../contract.ts';
import { patchBlocks, type Block } from '../rich-patch.ts';
import { adfDoc, descriptionFromAdf, normalizeDescription, paragraph, paragraphsOf, personNodes, renderDescription, withFooter, type AdfDoc, type AdfNode } from './adf.ts';
import { blocksText } from './adf-text.ts';

export type DescriptionWrite = { doc: AdfDoc } | { refused: string };

/** A paragraph of text only (no marks, no mentions or other inline nodes): rewritable from its text. */
export function isPlainParagraph(node: AdfNode): boolean {
  return (
    node.type === 'paragraph' &&
    (node.content ?? []).every((n) => (n.type === 'text' && !(n.marks ?? []).length) || n.type === 'hardBreak')
  );
}

export function descriptionWrite(current: unknown, ticket: OutboundTicket): DescriptionWrite {
  const nodes = personNodes(current);
  if (nodes.every(isPlainParagraph)) return { doc: renderDescription(ticket) };
  // What canonical() predicts for this description: it must read back exactly that, uncut.
  const expected = descriptionFromAdf(renderDescription(ticket));
  if (expected !== normalizeDescription(ticket.fields.description)) {
    return { refused: `it is too long to fit Jira's limit beside the ${kinds(nodes)} people added there, and cutting it would drop them` };
  }
  const blocks: Block<AdfNode>[] = nodes.map((node) => ({ node, paragraphs: paragraphsOf(blocksText([node])), plain: isPlainParagraph(node) }));
  const patched = patchBlocks(blocks, paragraphsOf(expected), (paragraphs) => paragraphs.map(paragraph));
  if ('refused' in patched) return { refused: `the change would alter or remove ${kindOf(patched.refused)} people added there, which the defect's plain text cannot carry` };
  const doc = withFooter(adfDoc(patched.nodes), ticket);
  if (!doc) return { refused: `it does not fit Jira's limit beside the ${kinds(nodes)} people added there` };
  // Checked, not assumed: a write that would read back as anything else is not made.
  if (normalizeDescription(descriptionFromAdf(doc)) !== expected) {
    return { refused: `the ${kinds(nodes)} people added there could not be kept around the change` };
  }
  return { doc };
}

const KINDS: Record<string, string> = {
  mediaSingle: 'an image or attachment',
  mediaGroup: 'attachments',
  media: 'an attachment',
  table: 'a table',
  bulletList: 'a list',
  orderedList: 'a list',
  taskList: 'a task list',
  decisionList: 'a decision list',
  heading: 'a heading',
  codeBlock: 'a code block',
  blockquote: 'a quote',
  panel: 'a panel',
  expand: 'an expand section',
  rule: 'a divider',
  blockCard: 'a link card',
  embedCard: 'an embedded link',
  extension: 'a macro',
  bodiedExtension: 'a macro',
};

/** What a block is, in words for the warning. */
function kindOf(node: AdfNode): string {
  if (node.type === 'paragraph') {
    const inline = (node.content ?? []).find((n) => n.type !== 'text' && n.type !== 'hardBreak');
    return inline ? `a ${inline.type === 'mention' ? 'mention' : inline.type === 'inlineCard' ? 'link card' : `${inline.type}`} in a paragraph` : 'formatted text';
  }
  return KINDS[node.type] ?? `a ${node.type} block`;
}

/** The kinds of content in the document a plain paragraph cannot hold, for a warning. */
function kinds(nodes: AdfNode[]): string {
  const names = [...new Set(nodes.filter((n) => !isPlainParagraph(n)).map(kindOf))];
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? 'content');
}
