// Asana's rich text as the fake keeps it (developers.asana.com/docs/rich-text): `html_notes` is an XML
// fragment in a root <body>, from a short list of tags, with line breaks as literal "\n" (no <p>, no
// <br>); `notes` is its plain text. Writing `notes` sets the rich text to that text, escaped; writing
// `html_notes` must be valid XML of known tags (else 400) and sets `notes` to its text. How Asana turns
// rich text into plain text is not documented in detail: here tags are dropped, entities decoded, and
// list items put on lines of their own (approximated).

const TAGS = new Set(['body', 'strong', 'em', 'u', 's', 'code', 'ol', 'ul', 'li', 'a', 'blockquote', 'pre', 'h1', 'h2', 'hr', 'img', 'table', 'tr', 'td']);
const TOKEN = /<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*"[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
const ENTITY = /&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

type Token = { kind: 'open' | 'close' | 'empty'; tag: string } | { kind: 'text'; text: string };

/** The tokens of a rich text, or the reason it is not valid rich text. */
function tokens(html: string): Token[] | string {
  const out: Token[] = [];
  for (const m of html.matchAll(TOKEN)) {
    if (m[6]) return 'a "<" that starts no tag';
    if (m[5] !== undefined) {
      if (m[5].replace(ENTITY, '').includes('&')) return 'an "&" that starts no entity';
      out.push({ kind: 'text', text: m[5] });
      continue;
    }
    const tag = m[2]!;
    if (!TAGS.has(tag)) return `the tag <${tag}>, which Asana does not support`;
    if (m[1] && (m[3] || m[4])) return `a malformed closing tag </${tag}>`;
    out.push({ kind: m[1] ? 'close' : m[4] ? 'empty' : 'open', tag });
  }
  return out;
}

/** null when `html` is rich text Asana accepts: one <body> root, balanced known tags, valid entities. */
export function richTextProblem(html: string): string | null {
  const list = tokens(html);
  if (typeof list === 'string') return list;
  const first = list[0];
  const last = list.at(-1);
  if (!first || first.kind !== 'open' || first.tag !== 'body' || !last || last.kind !== 'close' || last.tag !== 'body') return 'no root <body> element';
  const open: string[] = [];
  for (const [i, t] of list.entries()) {
    if (t.kind === 'open') {
      if (t.tag === 'body' && i !== 0) return 'a <body> inside <body>';
      open.push(t.tag);
    } else if (t.kind === 'close') {
      if (open.pop() !== t.tag) return `a </${t.tag}> that closes no <${t.tag}>`;
      if (!open.length && i !== list.length - 1) return 'content after </body>';
    }
  }
  return open.length ? `an unclosed <${open.at(-1)}>` : null;
}

/** The plain text of valid rich text (Asana's `notes`). */
export function richTextToPlain(html: string): string {
  const list = tokens(html) as Token[];
  let out = '';
  let previous: Token | undefined;
  for (const t of list) {
    if (t.kind === 'text') out += decode(t.text);
    // Consecutive list items each start a line (approximated).
    else if (t.kind === 'open' && t.tag === 'li' && previous?.kind === 'close' && previous.tag === 'li') out += '\n';
    previous = t;
  }
  return out;
}

/** Rich text showing `text` as it is. */
export function plainToRichText(text: string): string {
  return `<body>${text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</body>`;
}

function decode(text: string): string {
  return text.replace(ENTITY, (e) => {
    const named: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };
    if (named[e]) return named[e];
    const code = e[2] === 'x' ? Number.parseInt(e.slice(3, -1), 16) : Number(e.slice(2, -1));
    return String.fromCodePoint(code);
  });
}
