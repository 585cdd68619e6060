// The issue description in Atlassian Document Format (API v3 takes and gives only ADF): the defect's
// description as paragraphs, a rule, then the generated footer (heading, field lines, failing runs as
// a bullet list). Reading back keeps only what precedes that rule, as plain text (adf-text.ts), so the
// footer never syncs into the defect and people's rich-text edits arrive as readable text.
import type { OutboundTicket } from '../contract.ts';
import { FOOTER_HEADING, footerFor, type FooterLine } from '../body.ts';
import { blocksText, isNode, type AdfMark, type AdfNode } from './adf-text.ts';

export type { AdfMark, AdfNode } from './adf-text.ts';
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

/**
 * Where our generated footer starts in a description document: the rule before our heading (or the
 * heading itself when a person removed the rule), or -1 when the document has no footer of ours.
 */
export function footerStart(nodes: AdfNode[]): number {
  const heading = nodes.findIndex((n) => n.type === 'heading' && blocksText([n]).trim() === FOOTER_HEADING);
  if (heading === -1) return -1;
  return heading > 0 && nodes[heading - 1]!.type === 'rule' ? heading - 1 : heading;
}

/** The top-level nodes of a description field, or [] for none (or a v2 string, which v3 never answers). */
export function adfNodes(doc: unknown): AdfNode[] {
  return isNode(doc) && Array.isArray(doc.content) ? doc.content.filter(isNode) : [];
}

/** The description part of an issue's description field as plain text ('' for none). */
export function descriptionFromAdf(doc: unknown): string {
  if (!isNode(doc)) return typeof doc === 'string' ? doc.trim() : '';
  const nodes = adfNodes(doc);
  const end = footerStart(nodes);
  return blocksText(end === -1 ? nodes : nodes.slice(0, end)).trim();
}
