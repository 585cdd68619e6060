// The issue description in Atlassian Document Format (API v3 takes and gives only ADF): the defect's
// description as paragraphs, a rule, then the generated footer (heading, field lines, failing runs as
// a bullet list). Reading back keeps only what precedes that rule, as plain text, so the footer never
// syncs into the defect and people's rich-text edits arrive as readable text.
import type { OutboundTicket } from '../contract.ts';
import { FOOTER_HEADING, footerFor, type FooterLine } from '../body.ts';

export type AdfMark = { type: string; attrs?: Record<string, unknown> };
export type AdfNode = { type: string; text?: string; marks?: AdfMark[]; attrs?: Record<string, unknown>; content?: AdfNode[] };
export type AdfDoc = { type: 'doc'; version: 1; content: AdfNode[] };

/**
 * The description the way it reads back: trimmed, line ends normalised, paragraphs separated by
 * exactly one blank line (blank or whitespace-only lines in between collapse), each paragraph trimmed.
 */
export function normalizeDescription(description: string): string {
  return paragraphsOf(description).join('\n\n');
}

function paragraphsOf(description: string): string[] {
  return description
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n(?:[ \t]*\n)*/)
    .map((p) => p.trim())
    .filter(Boolean);
}

const text = (value: string, marks?: AdfMark[]): AdfNode => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });

function paragraph(value: string): AdfNode {
  const content: AdfNode[] = [];
  value.split('\n').forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' });
    // ADF refuses empty text nodes; an empty line inside a paragraph is only a break.
    if (line) content.push(text(line));
  });
  return { type: 'paragraph', content };
}

function fieldLine(line: Extract<FooterLine, { kind: 'field' }>): AdfNode {
  return {
    type: 'paragraph',
    content: [text(`${line.label}:`, [{ type: 'strong' }]), text(' '), text(line.text, line.href ? [{ type: 'link', attrs: { href: line.href } }] : undefined)],
  };
}

function runItem(line: Extract<FooterLine, { kind: 'run' }>): AdfNode {
  return { type: 'listItem', content: [{ type: 'paragraph', content: [text(line.testCase, [{ type: 'code' }]), text(` (${line.detail})`)] }] };
}

/** The whole description field: the defect's description, a rule, the footer. */
export function renderDescription(ticket: OutboundTicket): AdfDoc {
  const footer = footerFor(ticket);
  const content: AdfNode[] = paragraphsOf(ticket.fields.description).map(paragraph);
  content.push({ type: 'rule' }, { type: 'heading', attrs: { level: 4 }, content: [text(footer.heading)] });
  let list: AdfNode | undefined;
  for (const line of footer.lines) {
    if (line.kind === 'run') {
      if (!list) content.push((list = { type: 'bulletList', content: [] }));
      list.content!.push(runItem(line));
    } else {
      list = undefined;
      content.push(fieldLine(line));
    }
  }
  return { type: 'doc', version: 1, content };
}

/** The description part of an issue's description field as plain text ('' for none). */
export function descriptionFromAdf(doc: unknown): string {
  if (!isNode(doc) || !Array.isArray(doc.content)) return typeof doc === 'string' ? doc.trim() : '';
  const nodes = doc.content.filter(isNode);
  const heading = nodes.findIndex((n) => n.type === 'heading' && inlineText(n).trim() === FOOTER_HEADING);
  const end = heading === -1 ? nodes.length : heading > 0 && nodes[heading - 1]!.type === 'rule' ? heading - 1 : heading;
  return blocksText(nodes.slice(0, end)).trim();
}

function isNode(value: unknown): value is AdfNode {
  return typeof value === 'object' && value !== null && typeof (value as AdfNode).type === 'string';
}

function children(node: AdfNode): AdfNode[] {
  return Array.isArray(node.content) ? node.content.filter(isNode) : [];
}

function blocksText(nodes: AdfNode[]): string {
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
      return children(node).map((item) => `- ${listItemText(item)}`).join('\n');
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1) || 1;
      return children(node).map((item, i) => `${start + i}. ${listItemText(item)}`).join('\n');
    }
    case 'blockquote':
      return blocksText(children(node)).split('\n').map((l) => `> ${l}`).join('\n');
    case 'rule':
      return '---';
    case 'table':
      return children(node).map((row) => children(row).map((cell) => blocksText(children(cell)).replace(/\n+/g, ' ')).join(' | ')).join('\n');
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
      return '';
    default:
      return node.content ? blocksText(children(node)) : inlineText(node);
  }
}

function listItemText(item: AdfNode): string {
  return blocksText(children(item)).replace(/\n\n/g, '\n');
}

function inlineText(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return node.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'status':
      return String(node.attrs?.text ?? '');
    case 'emoji':
      return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
    case 'inlineCard':
      return String(node.attrs?.url ?? '');
    default:
      return children(node).map(inlineText).join('');
  }
}
