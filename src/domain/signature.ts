// Failure signatures (issue 16 part 1): what makes two failures "the same failure". A signature is the
// failure message's first line and its top stack frames, with everything that changes from run to run
// masked: numbers, hex and UUIDs, timestamps, quoted values, durations, ports, IP addresses and temp paths.
// The test case is not part of it: one root cause failing 40 tests is one signature. Pure.
import { createHash } from 'node:crypto';

/** How many stack frames go into a signature: the top ones, after the frameworks' own are skipped. */
export const SIGNATURE_FRAMES = 3;
/** The normalised first line is cut here: a megabyte-long first line must not make a megabyte key. */
const FIRST_LINE_MAX = 300;
/**
 * Lines are read this far only (the masks and frame patterns then run on at most this much per line), so
 * a hostile 64 KB message costs the same as a short one; no real frame is longer.
 */
const LINE_READ_MAX = 2000;

export type Signature = {
  /** A short stable id: the first 16 hex digits of the SHA-256 of `text`. */
  id: string;
  /** The normalised first line, then one line per frame: what the id is a hash of, for display. */
  text: string;
};

// ANSI colour codes: Jest and Playwright colour their messages when the reporter thinks it has a terminal.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

// Masks, applied in this order: the wider patterns first, so a timestamp is not taken apart as numbers.
const MASKS: ReadonlyArray<readonly [RegExp, string]> = [
  // Quoted values (selectors, ids, user input); a quote inside a word (can't) opens nothing.
  [/(?<![\w'"`])'[^'\n]*'(?![\w'])|(?<![\w"])"[^"\n]*"(?![\w"])|(?<![\w`])`[^`\n]*`(?![\w`])/g, '<str>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // ISO 8601 date-times and dates, then clock times.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<time>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<time>'],
  // Temp paths: POSIX /tmp, /var/tmp, macOS /var/folders (and /private/…), Windows …\Temp\…, pytest's basetemp.
  [/(?:\/private)?\/(?:tmp|var\/tmp|var\/folders)\/[^\s'":)]*/g, '<tmp>'],
  [/\b[A-Za-z]:\\(?:[^\s\\]+\\)*?Temp\\[^\s'":)]*/gi, '<tmp>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '<ip>'],
  [/\[[0-9a-f:]*::[0-9a-f:]*\]/gi, '<ip>'],
  // host:port after localhost, an IP address or a URL's host (a file's :line is not a port).
  [/(?<=(?:\blocalhost|<ip>|:\/\/[\w.-]+)):\d{2,5}\b/gi, ':<port>'],
  // Durations: 5000ms, 30 s, 1.5s, 2m, 10 seconds.
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b/g, '<dur>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Bare hex ids (commit SHAs, object ids): 7 or more hex digits holding a digit and a letter.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<hex>'],
  // Numbers: standalone ones, and runs of three or more digits inside a word (order1234, run_20261201).
  [/(?<![A-Za-z_])\d+(?:\.\d+)?|\d{3,}/g, '<n>'],
];

function maskOnce(line: string): string {
  let out = line;
  for (const [pattern, by] of MASKS) out = out.replace(pattern, by);
  return out.replace(/\s+/g, ' ').trim();
}

/**
 * The masks until nothing changes (at most a few rounds): one mask's output can open another's match, as
 * in `0""`, whose number becomes `<n>` and so frees the quotes after it (`<n>""`, then `<n><str>`). A
 * signature's own text must mask to itself, or the same failure read back would get a second signature.
 */
function mask(line: string): string {
  let out = line;
  for (let round = 0; round < 5; round++) {
    const again = maskOnce(out);
    if (again === out) break;
    out = again;
  }
  return out;
}

// Frames of the frameworks and runtimes themselves: every failure passes through them, so they tell nothing.
const FRAMEWORK_FRAME =
  /node:internal|\binternal\/|node_modules|^(?:java|javax|jdk|sun|kotlin|scala)\.|^org\.(?:junit|opentest4j|testng|gradle|apache\.maven)\.|^junit\.|^(?:_pytest|pluggy|unittest)\b|[\\/](?:_pytest|pluggy|unittest)[\\/]|[\\/]site-packages[\\/]/;

type Frame = { where: string; file?: string };

/** A line as a stack frame (JS `at fn (file:1:2)`, Java `at a.B.c(B.java:3)`, Python `File "x", line 4, in f`, pytest `x.py:4: Error`), or null. */
function frameOf(raw: string): Frame | null {
  const line = raw.replace(ANSI, '').trim();
  let m = /^at (?:async )?(.+?) \((.+:\d+(?::\d+)?)\)$/.exec(line); // JS with a function name (native frames have no line: skipped)
  if (m) return { where: m[1]!, file: m[2]! };
  m = /^at ([\w$.<>/-]+)\(([^()]*)\)$/.exec(line); // Java: at com.acme.CartTest.addsItem(CartTest.java:42)
  if (m) return { where: m[1]!, file: m[2]! };
  m = /^at (?:async )?(\S+:\d+(?::\d+)?)$/.exec(line); // JS anonymous: at /path/x.spec.ts:3:4
  if (m) return { where: '', file: m[1]! };
  m = /^File "(.+)", line (\d+), in (.+)$/.exec(line); // Python traceback
  if (m) return { where: m[3]!, file: `${m[1]!}:${m[2]!}` };
  m = /^(\S+\.py):(\d+): (\w+)$/.exec(line); // pytest's short location line
  if (m) return { where: m[3]!, file: `${m[1]!}:${m[2]!}` };
  return null;
}

/** Only the file's name: the same test fails under /home/runner/work/… in CI and /Users/… on a laptop. */
function baseName(file: string): string {
  return file.replace(/^file:\/\//, '').split(/[\\/]/).pop()!;
}

function frameText(f: Frame): string {
  const where = f.file ? `${f.where ? `${f.where} ` : ''}(${baseName(f.file)})` : f.where;
  return `at ${mask(where)}`;
}

function isFrameworkFrame(f: Frame): boolean {
  return FRAMEWORK_FRAME.test(f.file ?? '') || FRAMEWORK_FRAME.test(f.where);
}

/**
 * The line that says what went wrong: the first non-empty line, except in pytest's long form (source
 * lines, then `E   AssertionError: …`), where the first `E` line does.
 */
function headline(lines: readonly string[]): string {
  const pytestError = lines.find((l) => /^E {2,}\S/.test(l));
  if (pytestError) return pytestError.slice(1);
  return lines.find((l) => l.trim() !== '' && !frameOf(l)) ?? '';
}

/**
 * The signature of a failure, or null when the message says nothing (no text: two silent failures are not
 * known to be one). `stack`, when the reporter sends it apart, is where the frames are read; otherwise they
 * are read from the message's other lines.
 */
export function signatureOf(message: string | null | undefined, stack?: string | null): Signature | null {
  const lines = (message ?? '').replace(ANSI, '').split(/\r?\n/).map((l) => l.slice(0, LINE_READ_MAX));
  const first = mask(headline(lines)).slice(0, FIRST_LINE_MAX);
  const frames: string[] = [];
  for (const line of stack ? stack.split(/\r?\n/) : lines.slice(1)) {
    const f = frameOf(line.slice(0, LINE_READ_MAX));
    if (!f || isFrameworkFrame(f)) continue;
    frames.push(frameText(f));
    if (frames.length === SIGNATURE_FRAMES) break;
  }
  if (first === '' && frames.length === 0) return null;
  const text = [first, ...frames].join('\n');
  return { id: createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16), text };
}

/** The signature's first line: a defect title, a group's label. */
export function signatureHeadline(text: string): string {
  return text.split('\n', 1)[0]!;
}
