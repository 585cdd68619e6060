// The issue description in Atlassian Document Format (API v3 takes and gives only ADF): the defect's
// description as paragraphs, a rule, then the generated footer (heading, field lines, failing runs as
// a bullet list). Reading back keeps only what precedes that rule, as plain text (adf-text.ts), so the
// footer never syncs into the defect and people's rich-text edits arrive as readable text.
//
// Jira's limit (fit.ts) is met as body.ts describes: the description first, the footer listing fewer
// runs, and only then the description cut with a note; a person's nodes under a re-rendered footer
// are never cut.
import type { OutboundTicket } from '../contract.ts';
import { FOOTER_HEADING, footerFor, footerRunChoices, type FooterLine } from '../body.ts';
import { blocksText, isNode, type AdfMark, type AdfNode } from './adf-text.ts';
import { cutToFit, JIRA_TEXT_LIMIT, jiraSize } from './fit.ts';

export type { AdfMark, AdfNode } from './adf-text.ts';
export type AdfDoc = { type: 'doc'; version: 1; content: AdfNode[] };

/**
 * The description the way it reads back: trimmed, line ends normalised, paragraphs separated by
 * exactly one blank line (blank or whitespace-only lines in between collapse), each paragraph trimmed.
 */
export function normalizeDescription(description: string): string {
  return paragraphsOf(description).join('\n\n');
}

/** The paragraphs of a description as Jira's document holds them: split at blank lines, each trimmed. */
export function paragraphsOf(description: string): string[] {
  return description
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n(?:[ \t]*\n)*/)
    .map((p) => p.trim())
    .filter(Boolean);
}

const text = (value: string, marks?: AdfMark[]): AdfNode => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });

/** One paragraph of text: its lines joined by hard breaks. */
export function paragraph(value: string): AdfNode {
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

/** Our generated part: a rule, the heading, the field lines, the failing runs (at most `maxRuns`) as one bullet list. */
export function renderFooter(ticket: OutboundTicket, maxRuns?: number): AdfNode[] {
  const footer = footerFor(ticket, maxRuns);
  const content: AdfNode[] = [{ type: 'rule' }, { type: 'heading', attrs: { level: 4 }, content: [text(footer.heading)] }];
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
  return content;
}

const descriptionNodes = (description: string): AdfNode[] => paragraphsOf(description).map(paragraph);

/**
 * What of the description goes into Jira: all of it when it fits `budget` (the size of its nodes as
 * a JSON array, counted as fit.ts does), else a cut with a visible note.
 */
export function fitDescription(description: string, budget: number): string {
  return cutToFit(normalizeDescription(description), budget, (d) => jiraSize(descriptionNodes(d)));
}

/** A document of these top-level nodes. */
export function adfDoc(content: AdfNode[]): AdfDoc {
  return { type: 'doc', version: 1, content };
}

/**
 * The size of a document of `nodes` then `footer`, from the size of `nodes` as a JSON array: the
 * array's brackets go and one comma joins the two lists (exact for fit.ts's count).
 */
function sizeWith(nodesSize: number, nodeCount: number, footer: AdfNode[]): number {
  return jiraSize(adfDoc(footer)) + (nodeCount ? nodesSize - 1 : 0);
}

/**
 * The whole description field: the defect's description, a rule, the footer, within Jira's limit
 * (see the top of this file).
 */
export function renderDescription(ticket: OutboundTicket): AdfDoc {
  const description = normalizeDescription(ticket.fields.description);
  const nodes = descriptionNodes(description);
  const size = jiraSize(nodes);
  for (const runs of footerRunChoices(ticket)) {
    const footer = renderFooter(ticket, runs);
    if (sizeWith(size, nodes.length, footer) <= JIRA_TEXT_LIMIT) return adfDoc([...nodes, ...footer]);
  }
  const footer = renderFooter(ticket, 0);
  const budget = JIRA_TEXT_LIMIT - jiraSize(adfDoc(footer)) + 1;
  return adfDoc([...descriptionNodes(fitDescription(description, budget)), ...footer]);
}

/**
 * A description document with its footer re-rendered and everything a person wrote before it kept
 * as it is (node for node); a document without our footer keeps all its nodes and gets the footer.
 * The footer lists fewer runs when the person's nodes leave too little room; null when they leave
 * none even for the shortest footer (nothing of theirs is ever cut: the caller writes nothing).
 */
export function withFooter(current: unknown, ticket: OutboundTicket): AdfDoc | null {
  const nodes = personNodes(current);
  const size = jiraSize(nodes);
  for (const runs of footerRunChoices(ticket)) {
    const footer = renderFooter(ticket, runs);
    if (sizeWith(size, nodes.length, footer) <= JIRA_TEXT_LIMIT) return adfDoc([...nodes, ...footer]);
  }
  return null;
}

/** The top-level nodes before our footer (all of them when there is none). */
export function personNodes(doc: unknown): AdfNode[] {
  const nodes = adfNodes(doc);
  const end = footerStart(nodes);
  return end === -1 ? nodes : nodes.slice(0, end);
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
  return blocksText(personNodes(doc)).trim();
}
