// A sync job's first read rides in the statement that takes its lock (defect_sync_lock_and_start): it must
// see what the lock's previous holder committed before unlocking, though it was sent before that commit
// (a read in the locking statement itself would use a snapshot from before the wait and miss it: the
// next job would then create a second ticket, or overwrite a fresh snapshot). A first read that fails
// must not leave the lock held. A lock that had to be waited for is reported (the lock-waits metric), a
// free one is not. The read's `ensure` statement (the link row a create needs) runs before it, and says
// whether it wrote; the holder's last write (sqlThenUnlock) commits before the lock is released, in one
// round trip, and its parameters, all sent as text, arrive as the statement casts them.
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
    const first = locks.withLock(id, 'x', async ({ sql }) => {
      holding();
      await held;
      // Written (and committed) by the holder just before it unlocks.
      await sql('UPDATE "Defect" SET title = $2 WHERE id = $1::uuid', [id, 'after']);
    });
    await locked;
    // Sent while the lock is held: it waits, then reads.
    const second = locks.withLock(id, 'x', async ({ first }) => first?.rows ?? null, { text: TITLE, values: [id, 'x'] });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    expect(await second).toEqual([{ title: 'after' }]);
  });

  it('releases the lock when the read fails', async () => {
    const id = randomUUID();
    await expect(locks.withLock(id, 'x', async () => 'ran', { text: 'SELECT no_such_column FROM "Defect" WHERE id = $1::uuid AND $2 = $2', values: [id, 'x'] })).rejects.toThrow(/no_such_column/);
    // Held by a pooled connection, the lock would make this wait for lock_timeout (120 s).
    const again = locks.withLock(id, 'x', async ({ first }) => first?.rows ?? null, { text: TITLE, values: [id, 'x'] });
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
      const waiter = locks.withLock(id, scope, async ({ first }) => first?.rows ?? null, first);
      await new Promise((r) => setTimeout(r, 200));
      release();
      await holder;
      expect(await waiter).toEqual(first ? [] : null); // the read's rows, without the wait flag's row
    }
    expect(mine()).toBe(2);
  });
});

describe('ensure, and the last write that releases the lock', () => {
  const ENSURE = 'UPDATE "Defect" SET description = description || $3 WHERE id = $1::uuid AND $2::text IS NOT NULL AND $4::text IS NOT NULL RETURNING 1';
  const DESCRIPTION = 'SELECT description FROM "Defect" WHERE id = $1::uuid AND $2::text IS NOT NULL';

  it('runs ensure before the read, which sees its write, and tells whether it changed a row', async () => {
    const id = randomUUID();
    await prisma.$executeRaw`INSERT INTO "Defect" (id, number, title, description) VALUES (${id}::uuid, ${BASE - 1}, 't', '')`;
    const first = { text: DESCRIPTION, values: [id, 'x'], ensure: { text: ENSURE, values: [id, 'x', '+', 'y'] } };
    expect(await locks.withLock(id, 'x', async ({ first: f }) => f)).toBeNull();
    expect(await locks.withLock(id, 'x', async ({ first: f }) => f, first)).toEqual({ rows: [{ description: '+' }], ensured: true, waited: false });
    const gone = randomUUID();
    expect(await locks.withLock(gone, 'x', async ({ first: f }) => f, { text: DESCRIPTION, values: [gone, 'x'], ensure: { text: ENSURE, values: [gone, 'x', '+', 'y'] } })).toEqual({ rows: [], ensured: false, waited: false });
  });

  it('commits the last write before another holder can read, releases the lock with it, and refuses writes after it', async () => {
    const id = randomUUID();
    await prisma.$executeRaw`INSERT INTO "Defect" (id, number, title) VALUES (${id}::uuid, ${BASE - 2}, 'before')`;
    for (let i = 0; i < 10; i++) {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const locked = new Promise<void>((r) => (holding = r));
      let afterRelease!: () => void;
      const stillRunning = new Promise<void>((r) => (afterRelease = r));
      const holder = locks.withLock(id, 'x', async ({ sql, sqlThenUnlock }) => {
        holding();
        await held;
        const rows = await sqlThenUnlock('UPDATE "Defect" SET title = $2 WHERE id = $1::uuid RETURNING title', [id, `after ${i}`]);
        await stillRunning; // the lock is free while the holder finishes up
        await expect(sql('SELECT 1', [])).rejects.toThrow(/already released/);
        return rows;
      });
      await locked;
      const waiter = locks.withLock(id, 'x', async ({ first }) => first?.rows, { text: TITLE, values: [id, 'x'] });
      await new Promise((r) => setTimeout(r, 20));
      release();
      expect(await waiter).toEqual([{ title: `after ${i}` }]);
      afterRelease();
      expect(await holder).toEqual([{ title: `after ${i}` }]);
    }
  });

  it('sends every value as text, which the statement casts back', async () => {
    const id = randomUUID();
    const at = new Date('2026-12-07T23:30:00.123Z');
    const [row] = await locks.withLock(id, 'x', ({ sqlThenUnlock }) =>
      sqlThenUnlock('SELECT $1::uuid AS id, $2::timestamptz AS at, $3::text[] AS tags, $4::jsonb AS doc, $5::int AS n, $6::text AS none', [id, at, ['a', 'b "c"', 'd,e', '', 'back\\slash', null], { k: [1, 'x'] }, 7, null]),
    );
    expect(row).toEqual({ id, at: '2026-12-07T23:30:00.123+00:00', tags: ['a', 'b "c"', 'd,e', '', 'back\\slash', null], doc: { k: [1, 'x'] }, n: 7, none: null });
    const [times] = await locks.withLock(id, 'x', ({ sqlThenUnlock }) => sqlThenUnlock('SELECT $1::timestamptz[] AS ts', [[at, null]]));
    expect(times).toEqual({ ts: ['2026-12-07T23:30:00.123+00:00', null] });
    // What has no text form the statement could mean is refused before anything is sent.
    for (const odd of [Buffer.from('x'), new Map([['k', 1]]), [{ nested: true }]]) {
      await expect(locks.withLock(id, 'x', ({ sqlThenUnlock }) => sqlThenUnlock('SELECT $1::text AS v', [odd]))).rejects.toThrow(/cannot be sent as a statement's text parameter/);
    }
  });

  it('leaves the lock to be released as before when the last write fails', async () => {
    const id = randomUUID();
    await expect(locks.withLock(id, 'x', ({ sqlThenUnlock }) => sqlThenUnlock('SELECT no_such_column FROM "Defect"', []))).rejects.toThrow(/no_such_column/);
    const again = locks.withLock(id, 'x', async () => 'free');
    expect(await Promise.race([again, new Promise((r) => setTimeout(() => r('still waiting'), 5_000))])).toBe('free');
  });
});
