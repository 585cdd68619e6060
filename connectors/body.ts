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

/** GitHub-flavoured Markdown: the description, a rule, the footer, the marker as a hidden comment. */
export function markdownBody(ticket: OutboundTicket): string {
  const footer = footerFor(ticket);
  const lines = footer.lines.map((l) =>
    l.kind === 'field'
      ? `**${l.label}:** ${l.href ? `[${l.text}](${l.href})` : l.text}`
      : `- \`${l.testCase.replaceAll('`', "'")}\` (${l.detail})`,
  );
  const description = ticket.fields.description.trim();
  return `${description ? `${description}\n\n` : ''}---\n_${footer.heading}_\n\n${lines.join('\n')}\n\n<!-- ${footer.marker} -->\n`;
}

/** Plain text (Asana notes): the description, a rule, the footer lines, the marker on its own line. */
export function plainBody(ticket: OutboundTicket): string {
  const footer = footerFor(ticket);
  const description = ticket.fields.description.trim();
  return `${description ? `${description}\n\n` : ''}---\n${footer.heading}\n${footerText(footer).join('\n')}\n${footer.marker}\n`;
}

/**
 * The description part of a Markdown or plain-text body: everything before the generated footer.
 * A body a person wrote without our footer is all description.
 */
export function descriptionOf(body: string | null | undefined): string {
  if (!body) return '';
  const normalized = body.replaceAll('\r\n', '\n');
  const at = normalized.search(new RegExp(`(^|\\n)---\\n_?${FOOTER_HEADING}_?\\n`));
  return (at === -1 ? normalized : normalized.slice(0, at)).trim();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
