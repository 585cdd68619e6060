// One worker at a time per defect and tracker, across processes: a Postgres advisory lock held on a
// dedicated connection for the whole sync (remote calls included). If the process dies, Postgres
// ends the session and the lock goes with it, so a crash never leaves a defect locked.
import pg from 'pg';
import type { Tx } from '../db.ts';

/** The lock's name; the API's link route takes the same lock inside its transaction. */
function lockName(defectId: string, tracker: string): string {
  return `${defectId}/${tracker}`;
}

/** The same lock for the length of a transaction: a person linking a ticket waits for a running sync. */
export async function lockLinkInTx(tx: Tx, defectId: string, tracker: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockName(defectId, tracker)}, 0))`;
}

export class SyncLocks {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, size: number) {
    // lock_timeout bounds the wait behind a slow sync; the job then retries like any transient error.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: size, options: '-c lock_timeout=120s' });
    this.pool.on('error', () => undefined); // an idle client dropped by the server; the pool replaces it
  }

  async withLock<T>(defectId: string, tracker: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = lockName(defectId, tracker);
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      try {
        return await fn();
      } finally {
        // Should the unlock fail, the connection is destroyed instead of pooled: closing it releases the lock.
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((err: Error) => (broken = err));
      }
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
