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
// the first read is dynamic SQL inside the lock function, so only its wrapper is, and it is planned per call.

/** Runs one parameterised SQL statement and returns its rows (a pg client, or Prisma's raw query). */
export type SqlQuery = (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** A read to run in the same round trip as taking the lock (after it): SQL with two text parameters. */
export type FirstRead = { text: string; values: [string, string] };

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
   * Runs fn holding the lock. fn is given a signal that aborts if the lock's session dies mid-run
   * (server restart, failover, pg_terminate_backend, idle_session_timeout): the lock is gone then, so
   * fn must stop writing. The dead connection is destroyed rather than pooled, and its 'error' event
   * is handled here: unhandled, it would crash the process. fn is also given `sql`, which runs on the
   * lock's own connection: a job's reads and writes need no second connection (nor Prisma's per-query
   * cost), and a write through it can never land after the lock's session is gone.
   */
  async withLock<T>(
    defectId: string,
    tracker: string,
    fn: (lockLost: AbortSignal, sql: SqlQuery, firstRows: Record<string, unknown>[] | null) => Promise<T>,
    /**
     * Read right after the lock is granted, in the lock's own statement (migration 20261203080000): one
     * round trip less per job. Its rows are handed to fn; without it, fn gets null.
     */
    first?: FirstRead,
  ): Promise<T> {
    const client = await this.pool.connect();
    const key = lockName(defectId, tracker);
    const lost = new AbortController();
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
      lost.abort(new Error(`the sync lock's database session was lost: ${err.message}`));
    };
    client.on('error', onError);
    try {
      let firstRows: Record<string, unknown>[] | null = null;
      let waited: boolean;
      if (first) {
        try {
          const res = await client.query<{ j: Record<string, unknown> }>(prepared('SELECT j FROM defect_sync_lock_wait_and_query($1, $2, $3, $4) WITH ORDINALITY AS t(j, n) ORDER BY n', [key, first.text, ...first.values]));
          waited = res.rows[0]?.j.waited === true;
          firstRows = res.rows.slice(1).map((r) => r.j);
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
        const sql: SqlQuery = async (text, values) => (await client.query(prepared(text, values))).rows as Record<string, unknown>[];
        return await fn(lost.signal, sql, firstRows);
      } finally {
        // Should the unlock fail, the connection is destroyed instead of pooled: closing it releases the lock.
        if (!broken) await client.query(prepared('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key])).catch((err: Error) => (broken = err));
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
