// Jira refuses a description longer than 32,767 characters ("The entered text is too long. It exceeds
// the allowed limit of 32,767 characters."). For API v3 the field is stored as its ADF JSON, and which
// length Jira checks is not documented, so we count conservatively: the JSON text (UTF-16 units, like
// Java's String.length), plus five more for every character a JSON writer may escape as \uXXXX
// (<, >, &, =, ' under Gson's HTML-safe escaping). A description that does not fit is cut, never
// refused: its longest prefix that fits, then a visible note pointing to the defect link in the footer.
// (Pure; the cut itself is generic. Connectors/body.ts is getting a shared "cut to fit" helper; this
// one can move there once it lands.)

export const JIRA_TEXT_LIMIT = 32_767;

export const CUT_NOTE = "[Cut to fit Jira's limit of 32,767 characters: the full description is in Defect Sync, linked below.]";

/** The size Jira may count for a JSON value, conservatively. */
export function jiraSize(value: unknown): number {
  const json = JSON.stringify(value);
  let escapable = 0;
  for (const ch of json) if (ch === '<' || ch === '>' || ch === '&' || ch === '=' || ch === "'") escapable += 1;
  return json.length + 5 * escapable;
}

/**
 * `text` when size(text) fits `budget`; else its longest prefix (cut between characters, never inside
 * a surrogate pair) that fits together with CUT_NOTE as a last paragraph. `size` must grow with the
 * prefix; an empty prefix with the note is the floor.
 */
export function cutToFit(text: string, budget: number, size: (text: string) => number): string {
  if (size(text) <= budget) return text;
  const withNote = (n: number) => {
    const kept = safePrefix(text, n).trimEnd();
    return kept ? `${kept}\n\n${CUT_NOTE}` : CUT_NOTE;
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(withNote(mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return withNote(lo);
}

function safePrefix(text: string, n: number): string {
  const cut = text.slice(0, n);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
