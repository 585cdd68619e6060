// What a database error means, told from its shape alone (Prisma's known-request errors with the driver
// adapter's cause, or a pg error from a raw connection), and a message fit for a person: Prisma's own
// message starts with its internal "Invalid `prisma.x()` invocation" text, which must not reach a link's
// lastError or the dashboard.

type DriverCause = { originalCode?: unknown; code?: unknown; originalMessage?: unknown; message?: unknown; kind?: unknown };
type PrismaLike = { name?: unknown; code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: DriverCause } } };

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Prisma's codes for a value the database refused, where no SQLSTATE comes with it: value too long,
 * unique, foreign key, other constraint, null in a required column, value out of range.
 */
const PRISMA_DATA_CODES = new Set(['P2000', 'P2002', 'P2003', 'P2004', 'P2011', 'P2020']);

function isPrisma(err: unknown): err is PrismaLike {
  const name = (err as PrismaLike | null)?.name;
  return typeof name === 'string' && name.startsWith('PrismaClient');
}

/** A pg error from a raw connection (the sync lock's): it carries the SQLSTATE as `code`, and a severity. */
function isPg(err: unknown): err is { code: string; message: string } {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return !!e && typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string';
}

/** The SQLSTATE a database error carries, when it carries one. */
export function sqlState(err: unknown): string | null {
  if (isPg(err)) return err.code;
  if (!isPrisma(err)) return null;
  const cause = err.meta?.driverAdapterError?.cause;
  for (const code of [cause?.originalCode, cause?.code]) if (typeof code === 'string' && SQLSTATE.test(code)) return code;
  return null;
}

/** The database's own words, without Prisma's invocation text; null when `err` is not a database error. */
export function databaseMessage(err: unknown): string | null {
  if (isPg(err)) return err.message;
  if (!isPrisma(err)) return null;
  const cause = err.meta?.driverAdapterError?.cause;
  for (const text of [cause?.originalMessage, cause?.message]) if (typeof text === 'string' && text) return text;
  // No cause: Prisma's message ends with the explanation after the invocation header.
  const lines = String(err.message ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => !/^Invalid `.*` invocation/.test(l) && !l.startsWith('→')).at(-1) ?? 'unknown database error';
}

/**
 * Whether the database refused the data itself: SQLSTATE class 22 (data exception: a NUL byte, a value
 * out of range) or 23 (integrity constraint), or Prisma's code for such a refusal. The same statement
 * fails the same way every time, so retrying cannot help.
 */
export function isDataRefusal(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return state.startsWith('22') || state.startsWith('23');
  return isPrisma(err) && typeof err.code === 'string' && PRISMA_DATA_CODES.has(err.code);
}

/** A one-line description of a database error for people (lastError, activity), or null for other errors. */
export function describeDatabaseError(err: unknown): string | null {
  const text = databaseMessage(err);
  if (text === null) return null;
  const state = sqlState(err);
  const code = state ? `SQLSTATE ${state}` : typeof (err as PrismaLike).code === 'string' ? String((err as PrismaLike).code) : null;
  const said = `${text.length > 300 ? `${text.slice(0, 299)}…` : text}${code ? ` (${code})` : ''}`;
  return isDataRefusal(err)
    ? `the database refused the values of this sync: ${said}; retrying cannot help: correct the ticket or the defect, then retry the link`
    : `database error: ${said}`;
}
