// One worker at a time per defect and tracker, across processes: a Postgres advisory lock held on a
// dedicated connection for the whole sync (remote calls included). If the process dies, Postgres
// ends the session and the lock goes with it, so a crash never leaves a defect locked.
import pg from 'pg';
import { prepared, type Tx } from '../db.ts';

/** The lock's name; the API's link route takes the same lock inside its transaction. */
function lockName(defectId: string, tracker: string): string {
  return `${defectId}/${tracker}`;
}

/**
 * The same lock for the length of a transaction, so a person linking a ticket never races a running
 * sync. It waits at most `waitMs` (polling, well inside the transaction's own timeout) and answers
 * false rather than block: a sync holds the lock across remote calls, which can take many seconds.
 * Take it before any row lock, so a caller never holds the defect row while waiting on a remote call.
 */
export async function tryLockLinkInTx(tx: Tx, defectId: string, tracker: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtextextended(${lockName(defectId, tracker)}, 0)) AS locked`;
    if (row?.locked) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Every statement on a lock's connection is a fixed text, prepared once per connection (db.ts `prepared`);
// the first read, its ensure and the final write go inside the lock's function and procedure, which have
// the database prepare them once per connection too (defect_sync_run_prepared).

/** Runs one parameterised SQL statement and returns its rows (a pg client, or Prisma's raw query). */
export type SqlQuery = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * A read to run in the same round trip as taking the lock (after it). With `ensure`, a statement run before
 * the read: the read sees what it wrote, and the session is told whether it returned a row. Both run as
 * statements the database prepares once per connection (defect_sync_run_prepared, migration
 * 20261207233000), so a text built per call would prepare without end: fixed texts only. Their parameters
 * arrive as text, so each is cast where it is used.
 */
export type FirstRead = { text: string; values: unknown[]; ensure?: { text: string; values: unknown[] } };

/** What a function run under the lock is given. */
export type LockSession = {
  /** Aborts if the lock's session dies mid-run: the lock is gone then, so the holder must stop writing. */
  lost: AbortSignal;
  /** Runs a statement on the lock's own connection. */
  sql: SqlQuery;
  /**
   * The holder's last statement: run, committed and the lock released in one round trip (migration
   * 20261207233000). As a FirstRead's, its text is fixed and prepared by the database, its parameters arrive
   * as text (cast each where used), and its rows come back as JSON (times as strings). Nothing may be
   * written under the lock after it.
   */
  sqlThenUnlock: SqlQuery;
  /**
   * The first read's rows (the lock's own row left out), whether its `ensure` returned a row, and whether the
   * lock had to be waited for (then `ensure` ran later than its values were made); null without a first read.
   */
  first: { rows: Record<string, unknown>[]; ensured: boolean; waited: boolean } | null;
};

export class SyncLocks {
  private readonly pool: pg.Pool;

  /** Told each time a lock had to be waited for (another worker held it), with the lock's scope (withLock's `tracker`). */
  private readonly onWait: (scope: string) => void;

  constructor(databaseUrl: string, size: number, onWait: (scope: string) => void = () => {}) {
    this.onWait = onWait;
    // lock_timeout bounds the wait behind a slow sync; the job then retries like any transient error.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: size, options: '-c lock_timeout=120s' });
    this.pool.on('error', () => undefined); // an idle client dropped by the server; the pool replaces it
  }

  /**
   * Runs fn holding the lock. fn's `lost` aborts if the lock's session dies mid-run (server restart,
   * failover, pg_terminate_backend, idle_session_timeout): the dead connection is destroyed rather than
   * pooled, and its 'error' event is handled here: unhandled, it would crash the process. fn's `sql` runs
   * on the lock's own connection: a job's reads and writes need no second connection (nor Prisma's
   * per-query cost), and a write through it can never land after the lock's session is gone.
   */
  async withLock<T>(
    defectId: string,
    tracker: string,
    fn: (session: LockSession) => Promise<T>,
    /**
     * Read right after the lock is granted, in the lock's own statement: one round trip less per job. As a
     * function, it is made once a connection is in hand (so a time it carries is not the pool's wait older).
     */
    first?: FirstRead | (() => FirstRead),
  ): Promise<T> {
    const client = await this.pool.connect();
    const key = lockName(defectId, tracker);
    const lost = new AbortController();
    let broken: Error | undefined;
    let released = false;
    const onError = (err: Error) => {
      broken = err;
      lost.abort(new Error(`the sync lock's database session was lost: ${err.message}`));
    };
    client.on('error', onError);
    try {
      let firstRead: LockSession['first'] = null;
      let waited: boolean;
      if (first) {
        try {
          const read = typeof first === 'function' ? first() : first;
          const { ensure } = read;
          const res = await client.query<{ j: Record<string, unknown> }>(
            prepared('SELECT j FROM defect_sync_lock_and_start($1, $2, $3, $4, $5) WITH ORDINALITY AS t(j, n) ORDER BY n', [key, read.text, texts(read.values), ensure?.text ?? null, ensure ? texts(ensure.values) : null]),
          );
          const head = res.rows[0]?.j;
          waited = head?.waited === true;
          firstRead = { rows: res.rows.slice(1).map((r) => r.j), ensured: head?.ensured === true, waited };
        } catch (err) {
          // The lock may be held though the read failed: the connection is closed, not pooled, which ends it.
          broken = err as Error;
          throw err;
        }
      } else {
        // Try first, so a wait (another worker holds it) is told apart from a free lock.
        const [row] = (await client.query<{ locked: boolean }>(prepared('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]))).rows;
        waited = !row?.locked;
        if (waited) await client.query(prepared('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]));
      }
      try {
        // Inside the try: should the report throw, the lock is still released below.
        if (waited) this.onWait(tracker);
        const sql: SqlQuery = async (text, values) => {
          if (released) throw new Error('the sync lock was already released');
          return (await client.query(prepared(text, values))).rows as Record<string, unknown>[];
        };
        const sqlThenUnlock: SqlQuery = async (text, values) => {
          if (released) throw new Error('the sync lock was already released');
          const res = await client.query<{ result: Record<string, unknown>[] }>(prepared('CALL defect_sync_write_and_unlock($1, $2, $3, NULL)', [key, text, texts(values)]));
          released = true;
          return res.rows[0]?.result ?? [];
        };
        return await fn({ lost: lost.signal, sql, sqlThenUnlock, first: firstRead });
      } finally {
        // Should the unlock fail, the connection is destroyed instead of pooled: closing it releases the lock.
        if (!broken && !released) await client.query(prepared('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key])).catch((err: Error) => (broken = err));
      }
    } finally {
      client.release(broken ?? (lost.signal.aborted ? new Error('lock session lost') : undefined));
      // A destroyed client may still report its socket's end; pooled ones get the pool's handler back.
      if (!broken) client.off('error', onError);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Parameters in the text form PostgreSQL parses (they travel as one text[]): a Date as ISO time, an array
 * as an array literal, a plain object as JSON, null as NULL. Anything else that is not a scalar (a Buffer,
 * a class instance) is refused rather than sent as something the statement did not mean.
 */
function texts(values: readonly unknown[]): (string | null)[] {
  return values.map((v) => {
    if (v === null || v === undefined) return null;
    if (Array.isArray(v)) return arrayLiteral(v);
    if (typeof v === 'object') return v instanceof Date ? v.toISOString() : plainJson(v);
    return scalarText(v);
  });
}

/** A one-dimensional array literal: every element quoted (backslash and quote escaped), null as NULL. */
function arrayLiteral(items: readonly unknown[]): string {
  const element = (v: unknown) => {
    if (v === null || v === undefined) return 'NULL';
    const text = v instanceof Date ? v.toISOString() : scalarText(v);
    return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  };
  return `{${items.map(element).join(',')}}`;
}

function scalarText(v: unknown): string {
  if (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol') throw new Error(`a ${typeof v} cannot be sent as a statement's text parameter`);
  return String(v);
}

function plainJson(v: object): string {
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new Error(`a ${v.constructor?.name ?? 'object'} cannot be sent as a statement's text parameter`);
  return JSON.stringify(v);
}
