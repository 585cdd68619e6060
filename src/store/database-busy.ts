// "No connection came free in time" from Prisma or pg: a pause or a burst that holds every pooled
// connection. It is temporary and nothing was written, so callers answer "try again", not "our fault".
import { Prisma } from '../db.ts';

/** P2024: the pool gave no connection in time; P2028 with this message: a transaction could not start in maxWait. */
export function isDatabaseBusy(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    return err.code === 'P2024' || (err.code === 'P2028' && /unable to start a transaction in the given time/i.test(err.message));
  }
  // pg's own pool (connectionTimeoutMillis): used without Prisma (queryRows), or under it (Prisma wraps it).
  return err instanceof Error && /timeout exceeded when trying to connect/i.test(err.message);
}
