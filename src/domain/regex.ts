// Regexes that people write (matchers, severity rules) run with RE2 semantics (re2js): linear in the input,
// so a catastrophic pattern such as (a+)+$ cannot stall the API. RE2 has no lookaround or backreferences;
// such a pattern is refused with the engine's reason. Pure.
import { RE2JS } from 're2js';

/** Longest pattern accepted: RE2's program grows with the pattern, and no useful matcher is this long. */
export const REGEX_MAX = 1000;

const cache = new Map<string, RE2JS>();
const CACHE_MAX = 2000;

/** Why `pattern` is not a usable regex, or null when it is. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > REGEX_MAX) return `must be at most ${REGEX_MAX} characters`;
  try {
    compiled(pattern);
    return null;
  } catch (err) {
    return `is not a valid RE2 regular expression (${(err as Error).message})`;
  }
}

function compiled(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    // Matchers are few and long-lived: a plain size cap (drop the oldest) is enough.
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(pattern, re);
  }
  return re;
}

/** True when `pattern` (checked with regexProblem first) matches anywhere in `text`. */
export function regexFinds(pattern: string, text: string): boolean {
  return compiled(pattern).matcher(text).find();
}
