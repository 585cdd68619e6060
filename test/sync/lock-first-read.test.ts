// A sync job's first read rides in the statement that takes its lock (defect_sync_lock_and_query): it must
// see what the lock's previous holder committed before unlocking, though it was sent before that commit
// (a read in the locking statement itself would use a snapshot from before the wait and miss it: the
// next job would then create a second ticket, or overwrite a fresh snapshot). A first read that fails
// must not leave the lock held. A lock that had to be waited for is reported (the lock-waits metric), a
// free one is not.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db.ts';
import { SyncLocks } from '../../src/sync/lock.ts';
import { databaseUrl } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
const waits: string[] = [];
const locks = new SyncLocks(databaseUrl, 3, (scope) => waits.push(scope));
const BASE = -4_000_000; // this file's defect numbers, below any other file's
afterAll(async () => {
  await prisma.$executeRaw`DELETE FROM "Defect" WHERE number <= ${BASE} AND number > ${BASE - 10}`;
  await locks.close();
  await prisma.$disconnect();
});

const TITLE = 'SELECT title FROM "Defect" WHERE id = $1::uuid AND $2::text IS NOT NULL';

describe('the first read taken with the lock', () => {
  it('sees what the previous holder committed before unlocking', async () => {
    const id = randomUUID();
    await prisma.$executeRaw`INSERT INTO "Defect" (id, number, title) VALUES (${id}::uuid, ${BASE}, 'before')`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const locked = new Promise<void>((r) => (holding = r));
    const first = locks.withLock(id, 'x', async (_lost, sql) => {
      holding();
      await held;
      // Written (and committed) by the holder just before it unlocks.
      await sql('UPDATE "Defect" SET title = $2 WHERE id = $1::uuid', [id, 'after']);
    });
    await locked;
    // Sent while the lock is held: it waits, then reads.
    const second = locks.withLock(id, 'x', async (_lost, _sql, rows) => rows, { text: TITLE, values: [id, 'x'] });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    expect(await second).toEqual([{ title: 'after' }]);
  });

  it('releases the lock when the read fails', async () => {
    const id = randomUUID();
    await expect(locks.withLock(id, 'x', async () => 'ran', { text: 'SELECT no_such_column FROM "Defect" WHERE id = $1::uuid AND $2 = $2', values: [id, 'x'] })).rejects.toThrow(/no_such_column/);
    // Held by a pooled connection, the lock would make this wait for lock_timeout (120 s).
    const again = locks.withLock(id, 'x', async (_lost, _sql, rows) => rows, { text: TITLE, values: [id, 'x'] });
    const outcome = await Promise.race([again, new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(outcome).toEqual([]);
  });

  it('reports a lock it had to wait for, with its scope, and not a free one', async () => {
    const id = randomUUID();
    const scope = `waits-${id.slice(0, 8)}`;
    const mine = () => waits.filter((w) => w === scope).length;
    await locks.withLock(id, scope, async () => undefined);
    await locks.withLock(id, scope, async () => undefined, { text: TITLE, values: [id, 'x'] });
    expect(mine()).toBe(0);

    for (const first of [undefined, { text: TITLE, values: [id, 'x'] as [string, string] }]) {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const locked = new Promise<void>((r) => (holding = r));
      const holder = locks.withLock(id, scope, async () => { holding(); await held; });
      await locked;
      const waiter = locks.withLock(id, scope, async (_lost, _sql, rows) => rows, first);
      await new Promise((r) => setTimeout(r, 200));
      release();
      await holder;
      expect(await waiter).toEqual(first ? [] : null); // the read's rows, without the wait flag's row
    }
    expect(mine()).toBe(2);
  });
});
