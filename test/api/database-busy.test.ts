// A database too busy to hand out a connection in time (every pooled connection held: a pause, a
// long migration, a burst) is a temporary condition: the API answers 503 with Retry-After and a code
// a client can act on, not a 500, and nothing is half-written.
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createPrisma } from '../../src/db.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { databaseUrl } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';

// One connection, given up on after 100 ms: a write without a transaction (the PATCH) waits for the pool too.
const prisma = createPrisma(databaseUrl, { max: 1, waitMs: 100 });
const http = request(createApp({ prisma, log: createLogger('silent') }));
afterAll(() => prisma.$disconnect());

/** Holds the pool's one connection in a transaction until the returned function is called (it waits for the end). */
async function holdTheConnection(): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let holding!: () => void;
  const started = new Promise<void>((r) => (holding = r));
  const holder = prisma.$transaction(async () => { holding(); await held; }, { timeout: 10_000 });
  await started;
  return async () => {
    release();
    await holder;
  };
}

describe('a database with no connection free', () => {
  it('answers 503 database_busy with Retry-After, and the write lands once it is free again', async () => {
    const defect = await createDefect(http, { title: 'busy database' });
    const release = await holdTheConnection();

    const res = await http.patch(`/api/defects/${defect.key}`).send({ title: 'while busy' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.error).toMatchObject({ code: 'database_busy', message: expect.stringMatching(/database/) });

    await release();
    const after = await http.get(`/api/defects/${defect.key}`);
    expect(after.body).toMatchObject({ title: 'busy database', version: 1 }); // nothing half-written
    const retried = await http.patch(`/api/defects/${defect.key}`).send({ title: 'after' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ title: 'after', version: 2 });
  });

  it("bounds only the statements that answer a request: the client's own queries wait for the connection", async () => {
    const release = await holdTheConnection();
    // A worker's bookkeeping (Prisma's own query, no transaction) waits past the 100 ms, then runs.
    const counting = prisma.defect.count().then((n) => n); // started now: a Prisma query runs only once awaited
    await new Promise((r) => setTimeout(r, 300));
    await release();
    expect(await counting).toBeGreaterThan(0);
  });
});
