// Atlassian Document Format as readable plain text (pure), for the description a person edits in
// Jira. Block nodes become paragraphs separated by a blank line; inline nodes (text with its marks,
// mentions, dates, emoji…) stay on their line, so "Check **login** flow" reads back as one line.
// Lists read as Markdown-style lines ("- ", "1. ", "- [ ] "/"- [x] " for tasks), nested items are
// indented two spaces. Node types follow the ADF structure reference
// (developer.atlassian.com/cloud/jira/platform/apis/document/structure); an unknown node is read
// through its children, so content Jira adds later is not lost.

export type AdfMark = { type: string; attrs?: Record<string, unknown> };
export type AdfNode = { type: string; text?: string; marks?: AdfMark[]; attrs?: Record<string, unknown>; content?: AdfNode[] };

const INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'date', 'status', 'inlineCard', 'placeholder', 'mediaInline', 'inlineExtension']);

const PANEL_LABELS: Record<string, string> = { info: 'Info', note: 'Note', warning: 'Warning', success: 'Success', error: 'Error', tip: 'Tip' };

export function isNode(value: unknown): value is AdfNode {
  return typeof value === 'object' && value !== null && typeof (value as AdfNode).type === 'string';
}

function children(node: AdfNode): AdfNode[] {
  return Array.isArray(node.content) ? node.content.filter(isNode) : [];
}

/** Blocks as text, separated by one blank line; empty blocks (a lone image, an empty paragraph) drop out. */
export function blocksText(nodes: AdfNode[]): string {
  return nodes
    .map(blockText)
    .filter((t) => t.trim() !== '')
    .join('\n\n');
}

function blockText(node: AdfNode): string {
  switch (node.type) {
    case 'paragraph':
    case 'heading':
    case 'codeBlock':
      return inlineText(node);
    case 'bulletList':
      return children(node).map((item) => listItemText(item, '- ')).join('\n');
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1) || 1;
      return children(node).map((item, i) => listItemText(item, `${start + i}. `)).join('\n');
    }
    case 'taskList':
      return children(node)
        .map((item) => (item.type === 'taskItem' ? `- [${item.attrs?.state === 'DONE' ? 'x' : ' '}] ${inlineText(item)}` : indent(blockText(item), '  ')))
        .join('\n');
    case 'decisionList':
      return children(node)
        .map((item) => (item.type === 'decisionItem' ? `- Decision: ${inlineText(item)}` : indent(blockText(item), '  ')))
        .join('\n');
    case 'blockquote':
      return blocksText(children(node)).split('\n').map((l) => `> ${l}`).join('\n');
    case 'panel': {
      const label = PANEL_LABELS[String(node.attrs?.panelType ?? '')];
      const body = blocksText(children(node));
      return label && body ? `${label}: ${body}` : body;
    }
    case 'expand':
    case 'nestedExpand': {
      const title = typeof node.attrs?.title === 'string' ? node.attrs.title.trim() : '';
      return [title, blocksText(children(node))].filter(Boolean).join('\n\n');
    }
    case 'rule':
      return '---';
    case 'table':
      return children(node)
        .map((row) => children(row).map((cell) => blocksText(children(cell)).replace(/\n+/g, ' ')).join(' | '))
        .join('\n');
    case 'blockCard':
    case 'embedCard':
      return typeof node.attrs?.url === 'string' ? node.attrs.url : '';
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
    case 'extension':
      return '';
    default: {
      const kids = children(node);
      // A container of inline nodes (and any inline node met at block level) stays one line.
      if (INLINE.has(node.type) || (kids.length > 0 && kids.every((k) => INLINE.has(k.type)))) return inlineText(node);
      return kids.length ? blocksText(kids) : inlineText(node);
    }
  }
}

/** A list item: its blocks one per line, the marker on the first, the rest indented under it. */
function listItemText(item: AdfNode, marker: string): string {
  const body = item.type === 'listItem' ? children(item).map(blockText).filter((t) => t.trim() !== '').join('\n') : blockText(item);
  const [first = '', ...rest] = body.split('\n');
  return [`${marker}${first}`, ...rest.map((l) => indent(l, ' '.repeat(marker.length)))].join('\n');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');
}

function inlineText(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return markedText(node);
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'status':
      return String(node.attrs?.text ?? '');
    case 'emoji':
      return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
    case 'inlineCard':
      return String(node.attrs?.url ?? '');
    case 'date':
      return isoDate(node.attrs?.timestamp);
    case 'placeholder':
    case 'mediaInline':
    case 'inlineExtension':
      // A placeholder is an editor hint, not content; media and extensions have no text.
      return '';
    default:
      return children(node).map(inlineText).join('');
  }
}

/** Text keeps its words; a link whose text is not its address keeps the address too. */
function markedText(node: AdfNode): string {
  const value = node.text ?? '';
  const href = node.marks?.find((m) => m.type === 'link')?.attrs?.href;
  return typeof href === 'string' && href && href !== value ? `${value} (${href})` : value;
}

/** ADF dates are midnight UTC as milliseconds since the epoch, in a string. */
function isoDate(timestamp: unknown): string {
  const ms = Number(timestamp);
  if (timestamp === undefined || timestamp === null || timestamp === '' || !Number.isFinite(ms)) return '';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
