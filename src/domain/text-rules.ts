// The one set of rules for text a defect stores, whichever way it comes in. The API refuses what breaks
// them (a 400 naming the field: a person can correct a request); a value read from a tracker cannot be
// refused that way (a person wrote it there, and the other trackers must keep syncing), so it is made to
// fit by the same limits: cut at a fixed point, unstorable characters replaced. Pure: the HTTP schemas,
// the inbound sync and the property tests all call these functions.

/**
 * Limits count characters as code points, as the API's schemas (zod) count them: an emoji is one
 * character although JavaScript's length says two. A tracker with a tighter limit of its own (Jira's 255
 * UTF-16 units) is fitted to it by its connector when writing.
 */
/** A defect title, in characters (code points). */
export const TITLE_MAX = 255;
/** A defect description (and a case run's message), in characters (code points): GitHub's body limit. */
export const DESCRIPTION_MAX = 65_536;

/**
 * A project name (defects and case runs): 1 to PROJECT_MAX characters, each a letter, digit, dot,
 * underscore or hyphen, so it reads the same in a URL (?project=), a log line and a routing rule. Never
 * trimmed: a space anywhere is refused, not silently dropped. Only the API sets it (no tracker sends one).
 */
export const PROJECT_MAX = 100;
/** The characters a project name may hold (its length is checked apart: an empty name is "must not be empty"). */
export const PROJECT_CHARACTERS = /^[A-Za-z0-9._-]*$/;

/** Stands in for a character Postgres text cannot hold. */
export const REPLACEMENT = '\ufffd';

/**
 * Why Postgres cannot store `s` as text, or null when it can. NUL is refused by text and jsonb alike
 * (SQLSTATE 22021 / 22P05); a lone UTF-16 surrogate has no UTF-8 form (the driver would silently turn it
 * into U+FFFD, so what was stored would not be what was sent).
 */
export function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (!s.isWellFormed()) return 'must not contain lone UTF-16 surrogates (invalid Unicode)';
  return null;
}

/** `s` with NUL and every lone surrogate replaced by U+FFFD; a storable string comes back unchanged. */
export function replaceUnstorable(s: string): string {
  return s.toWellFormed().replaceAll('\u0000', REPLACEMENT);
}

/** How many characters (code points) `s` has; a lone surrogate counts as one. */
export function characters(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) i++;
  return n;
}

/**
 * At most `max` characters (code points) of `s`, cut on a code-point boundary: a surrogate pair (an
 * emoji, say) is kept or left out whole, never split into an unstorable half.
 */
export function cutToLength(s: string, max: number): string {
  if (s.length <= max) return s; // no more units than the limit: no more characters either
  let i = 0;
  for (let n = 0; n < max && i < s.length; n++) i += isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1)) ? 2 : 1;
  return s.slice(0, i);
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** A milestone's name (a GitHub milestone's title, a Jira version's name), trimmed. */
export const MILESTONE_MAX = 200;
/** One tag, trimmed; a defect holds at most TAGS_MAX of them. */
export const TAG_MAX = 64;
export const TAGS_MAX = 50;

export type TextField = 'title' | 'description' | 'milestone' | 'tag';

/** What fitting a tracker's value did to it, for the link's warning. */
export type Fitted = {
  value: string;
  /** The value held NUL or lone surrogates, now U+FFFD. */
  replaced: boolean;
  /** Its length in characters (after trimming a title) when it was longer than the limit, else null. */
  cutFrom: number | null;
};

/**
 * A tracker's title or description made to satisfy the API's rules for that field: unstorable characters
 * replaced, a title trimmed as the API trims it, then cut to the limit (a cut title loses any trailing
 * space the cut left, which the API would have trimmed too). Idempotent: fitting a fitted value changes
 * nothing, and a value the API would accept comes out exactly as the API would store it. A title can
 * still come out empty, which no defect may have: the caller decides (see `fitsNothing`).
 */
export function fitText(field: TextField, raw: string): Fitted {
  // Only a description keeps its spaces at the ends; every other text field is trimmed, as the API trims it.
  const clean = replaceUnstorable(raw);
  const replaced = clean !== raw;
  const text = field === 'description' ? clean : clean.trim();
  const max = MAX_FOR[field];
  const length = text.length > max ? characters(text) : text.length;
  if (length <= max) return { value: text, replaced, cutFrom: null };
  const cut = cutToLength(text, max);
  return { value: field === 'description' ? cut : cut.trimEnd(), replaced, cutFrom: length };
}

/** A fitted value the API would still refuse: an empty title. */
export function fitsNothing(field: TextField, fitted: Fitted): boolean {
  return field === 'title' && fitted.value.length === 0;
}

export const MAX_FOR: Readonly<Record<TextField, number>> = { title: TITLE_MAX, description: DESCRIPTION_MAX, milestone: MILESTONE_MAX, tag: TAG_MAX };

/**
 * A tracker's tags made to satisfy the API's rules: each fitted as a `tag` (an empty one dropped), then
 * the set as normalizeTags gives it (trimmed, unique, sorted), at most TAGS_MAX (the first in that order).
 * `notes` say what changed, for the link's warnings.
 */
export function fitTags(raw: readonly string[]): { value: string[]; notes: string[] } {
  const notes: string[] = [];
  const kept: string[] = [];
  for (const tag of raw) {
    const fitted = fitText('tag', tag);
    if (fitted.replaced) notes.push(`the tag ${JSON.stringify(fitted.value)} held NUL or unpaired surrogate characters; the defect holds U+FFFD in their place`);
    if (fitted.cutFrom !== null) notes.push(`a tag of ${fitted.cutFrom} characters is more than a defect's ${TAG_MAX}; the defect holds its first ${TAG_MAX}`);
    if (fitted.value) kept.push(fitted.value);
  }
  const value = [...new Set(kept)].sort();
  if (value.length > TAGS_MAX) notes.push(`the ticket has ${value.length} tags, more than a defect's ${TAGS_MAX}; the defect holds the first ${TAGS_MAX}`);
  return { value: value.slice(0, TAGS_MAX), notes };
}
