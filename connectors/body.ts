// The ticket body: the defect's description, then a generated footer (severity, failing tests, a link
// back to the defect, the marker). Connectors render the same footer lines in their own format
// (Markdown, Atlassian Document Format, plain text) and read the description back by cutting the
// footer off at its heading, so the generated part never syncs back into the defect.
//
// Where a tracker limits the body's length, the description comes first: the footer lists fewer
// failing runs (counting the rest) until the body fits, and only a description that does not fit even
// beside the shortest footer is cut, with a visible note pointing to the full text in the defect. A
// person's text under a footer that is only re-rendered is never cut: when it leaves no room even for
// the shortest footer, the footer is not written (the connector says so).
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

/**
 * The footer, listing at most `maxRuns` of the newest failing runs (MAX_RUNS at most) and counting the
 * rest on a "More failing runs" line.
 */
export function footerFor(ticket: OutboundTicket, maxRuns = MAX_RUNS): Footer {
  const { context, fields } = ticket;
  const listed = Math.max(0, Math.min(MAX_RUNS, maxRuns));
  const lines: FooterLine[] = [
    { kind: 'field', label: 'Defect', text: context.defectKey, href: context.defectUrl },
    { kind: 'field', label: 'Severity', text: fields.severity },
  ];
  const runCount = context.failingRunCount ?? context.failingRuns.length;
  if (runCount) {
    lines.push({ kind: 'field', label: 'Failing tests', text: String(runCount) });
    for (const run of context.failingRuns.slice(0, listed)) {
      const message = run.message ? `: ${truncate(oneLine(run.message), MAX_MESSAGE)}` : '';
      lines.push({ kind: 'run', testCase: run.testCase, detail: `${run.launch}, ${run.ranAt}${message}` });
    }
    const more = runCount - Math.min(context.failingRuns.length, listed);
    if (more > 0) lines.push({ kind: 'field', label: 'More failing runs', text: String(more), href: context.defectUrl });
  }
  return { heading: FOOTER_HEADING, lines, marker: markerFor(context.defectId) };
}

/** How many runs each footer to try lists, fullest first: every run the footer can show, down to none. */
export function footerRunChoices(ticket: OutboundTicket): number[] {
  const most = Math.min(MAX_RUNS, ticket.context.failingRuns.length);
  return Array.from({ length: most + 1 }, (_, i) => most - i);
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
export function markdownFooter(ticket: OutboundTicket, maxRuns = MAX_RUNS): string {
  const footer = footerFor(ticket, maxRuns);
  const lines = footer.lines.map((l) =>
    l.kind === 'field'
      ? `**${l.label}:** ${l.href ? `[${l.text}](${l.href})` : l.text}`
      : `- \`${l.testCase.replaceAll('`', "'")}\` (${l.detail})`,
  );
  return `---\n_${footer.heading}_\n\n${lines.join('\n')}\n\n<!-- ${footer.marker} -->\n`;
}

/**
 * GitHub-flavoured Markdown: the description, then the generated footer. Within `limit`, the footer
 * lists fewer runs before the description is cut (see the top of this file); the cut ends with
 * cutNote(), which a reader can tell by endsWithCutNote().
 */
export function markdownBody(ticket: OutboundTicket, limit?: BodyLimit): string {
  const description = ticket.fields.description.trim();
  if (!limit) return joinFooter(description, markdownFooter(ticket));
  const own = textLength(description) + textLength(separator(description));
  for (const runs of footerRunChoices(ticket)) {
    const footer = markdownFooter(ticket, runs);
    if (own + textLength(footer) <= limit.maxLength) return joinFooter(description, footer);
  }
  const footer = markdownFooter(ticket, 0);
  // Room for the footer and the two line ends that separate it.
  const text = cutToFit(description, limit.maxLength - textLength(footer) - 2, cutNote(limit.tracker, ticket.context.defectUrl));
  return joinFooter(text, footer);
}

/**
 * An existing Markdown body with its generated footer replaced by the current one (appended when it
 * has none, as on a ticket linked by hand). Everything before the footer is a person's text and is
 * kept byte for byte; only a blank line is added when needed to keep the rule from turning the last
 * line into a heading. Within `limit` the footer lists fewer runs to make room; null when the person's
 * text leaves no room even for the shortest footer (it is never cut: the caller leaves the body as is).
 */
export function replaceMarkdownFooter(body: string | null | undefined, ticket: OutboundTicket, limit?: BodyLimit): string | null {
  const text = body ?? '';
  const at = footerStart(text);
  const kept = at === -1 ? text : text.slice(0, at);
  if (!limit) return joinFooter(kept, markdownFooter(ticket));
  const own = textLength(kept) + textLength(separator(kept));
  for (const runs of footerRunChoices(ticket)) {
    const footer = markdownFooter(ticket, runs);
    if (own + textLength(footer) <= limit.maxLength) return joinFooter(kept, footer);
  }
  return null;
}

/** Text, a separating blank line where it lacks one, the footer (the footer alone for no text). */
function joinFooter(text: string, footer: string): string {
  return `${text}${separator(text)}${footer}`;
}

/** What goes between a text and the footer so the rule starts a block of its own. */
function separator(text: string): string {
  if (!text || text.endsWith('\n\n') || text.endsWith('\n\r\n')) return '';
  return text.endsWith('\n') ? '\n' : '\n\n';
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

/**
 * Whether a description read back ends in the note cutNote(tracker, …) adds: a copy this service cut
 * to fit, never a person's whole text.
 */
export function endsWithCutNote(description: string, tracker: string): boolean {
  // A cut that kept nothing reads back as the note alone, its leading blank line trimmed.
  const note = escapeRegExp(cutNote(tracker, '').trimStart());
  return new RegExp(`(^|\\n\\n)${note}\\S*$`).test(description.trimEnd());
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Plain text (Asana notes): the description, a rule, the footer lines, the marker on its own line. */
export function plainBody(ticket: OutboundTicket): string {
  const footer = footerFor(ticket);
  const description = ticket.fields.description.trim();
  return `${description ? `${description}\n\n` : ''}---\n${footer.heading}\n${footerText(footer).join('\n')}\n${footer.marker}\n`;
}

/**
 * Where the generated footer starts in a Markdown or plain-text body: the index of its rule line, or
 * -1 when there is none. Line ends may be CRLF (GitHub's web editor sends them) or a lone CR: any line
 * end counts, as normalizeLineEnds() reads them, so a text read back never shows a footer it did not.
 */
export function footerStart(body: string): number {
  const m = new RegExp(`(^|\\r\\n?|\\n)---(?:\\r\\n?|\\n)_?${FOOTER_HEADING}_?(?:\\r\\n?|\\n)`).exec(body);
  return m ? m.index + m[1]!.length : -1;
}

/**
 * The description part of a Markdown or plain-text body: everything before the generated footer.
 * A body a person wrote without our footer is all description.
 */
export function descriptionOf(body: string | null | undefined): string {
  if (!body) return '';
  const at = footerStart(body);
  return normalizeLineEnds(at === -1 ? body : body.slice(0, at)).trim();
}

/**
 * CRLF and a lone CR as LF. Every CR goes, so reading a text read back changes nothing more ("\r\r\n"
 * would otherwise become "\r\n" once and "\n" the next time).
 */
export function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
