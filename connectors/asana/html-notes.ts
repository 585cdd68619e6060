// Writing the description into a task whose notes a person formatted in Asana (pure). Asana keeps the
// description as rich text, `html_notes` (developers.asana.com/docs/rich-text: an XML fragment in a root
// <body>, line breaks as literal "\n"), and `notes` is its plain text; writing `notes` replaces the rich
// text, so bold words, links, lists and images a person added would be gone. When the person's part of
// the rich text holds markup, the connector writes `html_notes` instead: the footer-only rewrite keeps
// the person's rich text as it is, and a description change is patched in (rich-patch.ts): top-level
// blocks (separated by a blank line outside any tag) whose text is unchanged stay byte for byte, and
// only blocks of plain text are rewritten. A change that would alter or remove formatted text is not
// written (the reason goes into a warning).
//
// How Asana turns rich text into `notes` is not documented in detail, so the connector never relies on
// its own reading of markup: it pairs the rich text's blocks with the paragraphs of the task's own
// `notes`, and patches only when every plain block reads exactly as its paragraph.
import { descriptionOf, footerStart, normalizeLineEnds } from '../body.ts';
import { patchBlocks, type Block } from '../rich-patch.ts';

/** What to write for the description: plain notes (nothing to keep), rich text, or nothing and why. */
export type NotesWrite = { notes: string } | { html_notes: string } | { refused: string };

/** The task's description as read with notes and html_notes. */
export type TaskNotes = { notes?: string | null; html_notes?: string | null };

/**
 * The write that puts `body` (the whole plain notes: description, then our footer) into the task,
 * keeping a person's formatting; `footer` is our footer alone (plain text, from the rule on).
 */
export function notesWrite(task: TaskNotes, body: string, footer: string): NotesWrite {
  const person = personRichText(task);
  if (!person || !hasMarkup(person.html)) return { notes: body };
  const expected = descriptionOf(body);
  const blocks = pairBlocks(person.html, descriptionOf(task.notes));
  if (!blocks) return { refused: `its formatting (${kinds(person.html)}) could not be matched to its text` };
  const patched = patchBlocks(blocks, expected ? expected.split('\n\n') : [], (paragraphs) => paragraphs.map(escapeXml));
  if ('refused' in patched) return { refused: `the change would alter or remove ${kinds(patched.refused)} people added there, which the defect's plain text cannot carry` };
  // Checked, not assumed: the notes this rich text gives must be exactly the description.
  const textOf = new Map(blocks.map((b) => [b.node, b.paragraphs.join('\n\n')]));
  const text = patched.nodes.map((n) => textOf.get(n) ?? decodeXml(n)).join('\n\n');
  if (text !== expected) return { refused: `its formatting (${kinds(person.html)}) could not be kept around the change` };
  return { html_notes: richText(patched.nodes.join('\n\n'), footer) };
}

/**
 * The write that re-renders only the footer under what the task holds: the person's rich text kept as
 * it is when it has markup (null when it cannot be told apart from the footer safely), else plain notes.
 */
export function footerWrite(task: TaskNotes, plainNotes: string, footer: string): NotesWrite {
  const person = personRichText(task);
  if (!person || !hasMarkup(person.html)) return { notes: plainNotes };
  if (!splitTopLevel(person.html)) return { refused: `its formatting (${kinds(person.html)}) could not be told apart from Defect Sync's footer` };
  return { html_notes: richText(person.html, footer) };
}

/** The person's part of the task's rich text (before our footer), trimmed; null without rich text. */
function personRichText(task: TaskNotes): { html: string } | null {
  const m = /^<body>([\s\S]*)<\/body>$/.exec(task.html_notes ?? '');
  if (!m) return null;
  const inner = normalizeLineEnds(m[1]!);
  const at = footerStart(inner);
  return { html: (at === -1 ? inner : inner.slice(0, at)).trim() };
}

/** Blocks of the person's rich text, each with its paragraph of the task's notes; null when they do not pair up. */
function pairBlocks(html: string, notes: string): Block<string>[] | null {
  const parts = splitTopLevel(html);
  const paragraphs = notes ? notes.split('\n\n') : [];
  if (!parts || parts.length !== paragraphs.length) return null;
  const blocks: Block<string>[] = [];
  for (const [i, node] of parts.entries()) {
    const paragraph = paragraphs[i]!;
    const plain = !hasMarkup(node);
    if (plain && decodeXml(node) !== paragraph) return null;
    // A block without text (an image) is still a paragraph of the notes, if an empty one: found like any other.
    blocks.push({ node, paragraphs: [paragraph], plain });
  }
  return blocks;
}

/** The rich text of a person's part and our footer (plain text, escaped). */
function richText(person: string, footer: string): string {
  return `<body>${person ? `${person}\n\n` : ''}${escapeXml(footer)}</body>`;
}

const TAG = /<(\/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(\/?)>/g;

/**
 * The rich text split at blank lines ("\n\n") outside every element, like String.split; null when its
 * tags do not balance (then it is not safe to cut anywhere).
 */
export function splitTopLevel(html: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  TAG.lastIndex = 0;
  let tag = TAG.exec(html);
  while (i < html.length) {
    if (tag && tag.index === i) {
      if (tag[1]) depth--;
      else if (!tag[3]) depth++;
      if (depth < 0) return null;
      i = tag.index + tag[0].length;
      tag = TAG.exec(html);
      continue;
    }
    if (depth === 0 && html.startsWith('\n\n', i)) {
      parts.push(html.slice(start, i));
      i += 2;
      start = i;
      continue;
    }
    i++;
  }
  if (depth !== 0) return null;
  parts.push(html.slice(start));
  return parts;
}

function hasMarkup(html: string): boolean {
  return html.includes('<');
}

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (e, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[name]) return named[name];
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : e;
  });
}

const KINDS: [RegExp, string][] = [
  [/<(strong|em|u|s)\b/, 'formatted text'],
  [/<a\b/, 'a link or mention'],
  [/<(ul|ol|li)\b/, 'a list'],
  [/<img\b/, 'an image'],
  [/<table\b/, 'a table'],
  [/<(code|pre)\b/, 'code'],
  [/<(h1|h2)\b/, 'a heading'],
  [/<blockquote\b/, 'a quote'],
  [/<hr\b/, 'a divider'],
];

/** The kinds of markup in a piece of rich text, in words for a warning. */
function kinds(html: string): string {
  const names = KINDS.filter(([re]) => re.test(html)).map(([, name]) => name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? 'formatting');
}
