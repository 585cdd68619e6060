// The ticket body: the defect's description, then a generated footer (severity, failing tests, a link
// back to the defect, the marker). Connectors render the same footer lines in their own format
// (Markdown, Atlassian Document Format, plain text) and read the description back by cutting the
// footer off at its heading, so the generated part never syncs back into the defect.
import type { OutboundTicket } from './contract.ts';
import { markerFor } from './marker.ts';

/** The footer's first line; everything from the separator before it on is generated. */
export const FOOTER_HEADING = 'Synced by Defect Sync';

/** How many failing runs the footer lists; the rest are counted, so the body stays small. */
const MAX_RUNS = 10;
const MAX_MESSAGE = 300;

export type FooterLine =
  | { kind: 'field'; label: string; text: string; href?: string }
  | { kind: 'run'; testCase: string; detail: string };

export type Footer = { heading: string; lines: FooterLine[]; marker: string };

export function footerFor(ticket: OutboundTicket): Footer {
  const { context, fields } = ticket;
  const lines: FooterLine[] = [
    { kind: 'field', label: 'Defect', text: context.defectKey, href: context.defectUrl },
    { kind: 'field', label: 'Severity', text: fields.severity },
  ];
  const runCount = context.failingRunCount ?? context.failingRuns.length;
  if (runCount) {
    lines.push({ kind: 'field', label: 'Failing tests', text: String(runCount) });
    for (const run of context.failingRuns.slice(0, MAX_RUNS)) {
      const message = run.message ? `: ${truncate(oneLine(run.message), MAX_MESSAGE)}` : '';
      lines.push({ kind: 'run', testCase: run.testCase, detail: `${run.launch}, ${run.ranAt}${message}` });
    }
    const more = runCount - Math.min(context.failingRuns.length, MAX_RUNS);
    if (more > 0) lines.push({ kind: 'field', label: 'More failing runs', text: String(more), href: context.defectUrl });
  }
  return { heading: FOOTER_HEADING, lines, marker: markerFor(context.defectId) };
}

/** Plain-text lines of the footer (Asana notes, and the Markdown renderer's base). */
export function footerText(footer: Footer): string[] {
  return footer.lines.map((l) =>
    l.kind === 'field' ? `${l.label}: ${l.text}${l.href ? ` (${l.href})` : ''}` : `- ${l.testCase} (${l.detail})`,
  );
}

/** A limit on the whole body (characters, as the tracker counts them) and whose limit it is, for the note. */
export type BodyLimit = { maxLength: number; tracker: string };

/** The generated Markdown part: a rule, the footer, the marker as a hidden comment. */
export function markdownFooter(ticket: OutboundTicket): string {
  const footer = footerFor(ticket);
  const lines = footer.lines.map((l) =>
    l.kind === 'field'
      ? `**${l.label}:** ${l.href ? `[${l.text}](${l.href})` : l.text}`
      : `- \`${l.testCase.replaceAll('`', "'")}\` (${l.detail})`,
  );
  return `---\n_${footer.heading}_\n\n${lines.join('\n')}\n\n<!-- ${footer.marker} -->\n`;
}

/** GitHub-flavoured Markdown: the description, then the generated footer; cut to fit `limit` if given. */
export function markdownBody(ticket: OutboundTicket, limit?: BodyLimit): string {
  return withFooter(ticket.fields.description.trim(), markdownFooter(ticket), ticket, limit);
}

/**
 * An existing Markdown body with its generated footer replaced by the current one (appended when it
 * has none, as on a ticket linked by hand). Everything before the footer is a person's text and is
 * kept byte for byte; only a blank line is added when needed to keep the rule from turning the last
 * line into a heading. Cut to fit `limit` only when person's text and footer together would not.
 */
export function replaceMarkdownFooter(body: string | null | undefined, ticket: OutboundTicket, limit?: BodyLimit): string {
  const text = body ?? '';
  const at = footerStart(text);
  return withFooter(at === -1 ? text : text.slice(0, at), markdownFooter(ticket), ticket, limit);
}

function withFooter(kept: string, footer: string, ticket: OutboundTicket, limit: BodyLimit | undefined): string {
  // Room for the footer and the (at most two) line ends that separate it.
  const room = limit ? limit.maxLength - textLength(footer) - 2 : Infinity;
  const text = cutToFit(kept, room, cutNote(limit?.tracker ?? '', ticket.context.defectUrl));
  if (!text) return footer;
  return `${text}${text.endsWith('\n\n') || text.endsWith('\n\r\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n'}${footer}`;
}

/** Length in characters as GitHub (and Jira) count them: code points, so an emoji is one, not two. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * `text` unchanged when it has at most `maxLength` characters (code points), else cut so that it and
 * `note` together have at most `maxLength`, never in the middle of a surrogate pair. Usable for any
 * tracker's limit: pass the room left for the description.
 */
export function cutToFit(text: string, maxLength: number, note: string): string {
  if (textLength(text) <= maxLength) return text;
  const keep = Math.max(0, maxLength - textLength(note));
  const chars = Array.from(text);
  return `${chars.slice(0, keep).join('')}${Array.from(note).slice(0, maxLength - keep).join('')}`;
}

/** The visible note a cut description ends with. */
export function cutNote(tracker: string, defectUrl: string): string {
  return `\n\n… description cut to fit ${tracker ? `${tracker}'s` : 'the tracker\'s'} limit; the full text is at ${defectUrl}`;
}

/** Plain text (Asana notes): the description, a rule, the footer lines, the marker on its own line. */
export function plainBody(ticket: OutboundTicket): string {
  const footer = footerFor(ticket);
  const description = ticket.fields.description.trim();
  return `${description ? `${description}\n\n` : ''}---\n${footer.heading}\n${footerText(footer).join('\n')}\n${footer.marker}\n`;
}

/**
 * Where the generated footer starts in a Markdown or plain-text body: the index of its rule line, or
 * -1 when there is none. Line ends may be CRLF (GitHub's web editor sends them).
 */
export function footerStart(body: string): number {
  const m = new RegExp(`(^|\\r?\\n)---\\r?\\n_?${FOOTER_HEADING}_?\\r?\\n`).exec(body);
  return m ? m.index + m[1]!.length : -1;
}

/**
 * The description part of a Markdown or plain-text body: everything before the generated footer.
 * A body a person wrote without our footer is all description.
 */
export function descriptionOf(body: string | null | undefined): string {
  if (!body) return '';
  const at = footerStart(body);
  return (at === -1 ? body : body.slice(0, at)).replaceAll('\r\n', '\n').trim();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
