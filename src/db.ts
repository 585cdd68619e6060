import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Prisma } from './generated/prisma/client.ts';

export { PrismaClient, Prisma };
/** The client handed to an interactive transaction's callback. */
export type Tx = Prisma.TransactionClient;

/** The pg pool under each client createPrisma made (Prisma's adapter runs on it; $disconnect ends it), and queryRows' wait for it. */
const pools = new WeakMap<PrismaClient, { pool: pg.Pool; waitMs: number }>();

/**
 * How long a transaction, or a statement sent straight to the pool (queryRows: the API's create, PATCH and
 * webhook recording), waits for a pooled connection before giving up (then: 503 database_busy,
 * src/store/database-busy.ts): Prisma's own default for a transaction (maxWait). Prisma's other queries (a
 * worker's bookkeeping) wait as long as it takes, as before: the bound is per call, not the pool's.
 */
const CONNECTION_WAIT_MS = 2000;

export function createPrisma(databaseUrl: string, opts: { max?: number; waitMs?: number } = {}): PrismaClient {
  const waitMs = opts.waitMs ?? CONNECTION_WAIT_MS;
  const pool = new pg.Pool({ connectionString: databaseUrl, ...(opts.max !== undefined && { max: opts.max }) });
  // An idle connection the server drops must not crash the process before Prisma attaches its own listener
  // (it does at its first connect); the next query simply gets another connection.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: { maxWait: waitMs } });
  pools.set(prisma, { pool, waitMs });
  return prisma;
}

/**
 * One statement straight on the client's pg pool (`$1`… parameters), for the hot paths where Prisma's own
 * work per query outweighs the query: a webhook's recording statement was an eighth of the route's CPU
 * in Prisma. Same connections, same database; a transaction's client, or a client from elsewhere, goes
 * through $queryRawUnsafe. With `prepare`, the statement is prepared (see `prepared`).
 */
export async function queryRows<T>(prisma: PrismaClient | Tx, text: string, values: readonly unknown[], opts: { prepare?: boolean } = {}): Promise<T[]> {
  // A transaction's client has no pool of its own here: its statement goes through the transaction.
  const own = pools.get(prisma as PrismaClient);
  // Ended by $disconnect: Prisma makes itself a new pool if used again, so go through it.
  if (!own || own.pool.ended) return prisma.$queryRawUnsafe<T[]>(text, ...values);
  const client = await connectWithin(own.pool, own.waitMs);
  let failed: Error | undefined;
  // As pool.query does: a connection lost mid-statement is an 'error' event on the client, which unhandled
  // would end the process (test/faults/postgres-terminate.test.ts).
  const onError = (err: Error) => void (failed ??= err);
  client.on('error', onError);
  try {
    return (await client.query(opts.prepare ? prepared(text, values) : { text, values: values as unknown[] })).rows as T[];
  } catch (err) {
    failed ??= err as Error;
    throw err;
  } finally {
    // A client whose statement failed is not pooled again; being destroyed, it may still report its
    // socket's end, so it keeps the handler.
    if (!failed) client.off('error', onError);
    client.release(failed);
  }
}

/** A pooled client, or pg's own "timeout exceeded when trying to connect" after `ms`; a client that comes later goes back. */
async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout exceeded when trying to connect')), ms)));
  try {
    return await Promise.race([connecting, late]);
  } catch (err) {
    connecting.then((c) => c.release(), () => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A statement sent thousands of times (a sync's lock, first read and link writes; the inbox's recording
 * and stamping), prepared once per connection under a name given to its text here: PostgreSQL parses it
 * once there (and may keep a generic plan), and only its parameters are sent after the first time. Only
 * constant texts may come here: a text built per call would prepare without end. A prepared statement's
 * result columns must not be `*` of a table a migration may widen under a running release.
 */
const statementNames = new Map<string, string>();

export function prepared(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `defect-sync-${statementNames.size + 1}`));
  return { name, text, values: values as unknown[] };
}
