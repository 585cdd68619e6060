// The link row a create writes before its call rides with the job's lock when the job's change suggests a new
// ticket (the defect's creation, a backfill); the hint only saves a statement. Without it, a defect with no
// link still gets exactly one ticket; with it, a defect already linked gets no second row and no second ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Trackers } from '../../fakes/index.ts';
import { type Service } from '../helpers/service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { databaseUrl } from '../helpers/context.ts';
import { SyncLocks } from '../../src/sync/lock.ts';
import type { SyncEngine } from '../../src/sync/engine.ts';
import { startHandDriven } from '../helpers/engine.ts';

let t: Trackers;
let svc: Service;
let engine: SyncEngine;
let stop: () => Promise<void>;

beforeAll(async () => void ({ t, svc, engine, stop } = await startHandDriven()));
afterAll(() => stop?.());

const linksOf = (defectId: string) => svc.prisma.trackerLink.findMany({ where: { defectId, connection: 'github' } });

describe('the link row written with the lock', () => {
  it.each([
    ['with the hint', true],
    ['without it', false],
  ])('creates exactly one ticket and one synced link %s', async (_, likelyNew) => {
    const { id } = await createDefect(svc.http, { title: `hint ${likelyNew}` });
    expect((await engine.syncTicket('github', id, false, likelyNew)).outcome).toBe('created');
    expect(t.ticketsFor(id).github).toHaveLength(1);
    const links = await linksOf(id);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ syncState: 'synced', attempts: 0 });
    expect(links[0]!.remoteId).toBeTruthy();
    expect(links[0]!.createStartedAt).toBeInstanceOf(Date);
  });

  it('dates the attempt from after a wait for the lock, not before it', async () => {
    // A retry's marker search trusts the tracker's index from the latest attempt's time: dated before a
    // 30 s wait, that trust would start 30 s before the create really happened.
    const { id } = await createDefect(svc.http, { title: 'hint after a lock wait' });
    const holder = new SyncLocks(databaseUrl, 1);
    let releasedAt = 0;
    try {
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const holdFor = holder.withLock(id, 'github', async () => {
        holding();
        await new Promise((r) => setTimeout(r, 400));
        releasedAt = Date.now();
      });
      await held;
      const syncing = engine.syncTicket('github', id, false, true);
      await holdFor;
      expect((await syncing).outcome).toBe('created');
    } finally {
      await holder.close();
    }
    const [link] = await linksOf(id);
    expect(link!.lastCreateAttemptAt!.getTime()).toBeGreaterThanOrEqual(releasedAt - 5);
    expect(link!.createStartedAt!.getTime()).toBeLessThanOrEqual(link!.lastCreateAttemptAt!.getTime());
  });

  it('writes no second row, nor a second ticket, for a defect already linked', async () => {
    const { id } = await createDefect(svc.http, { title: 'hint on a linked defect' });
    await engine.syncTicket('github', id, false, true);
    const [before] = await linksOf(id);
    expect((await engine.syncTicket('github', id, false, true)).outcome).toBe('unchanged');
    expect(t.ticketsFor(id).github).toHaveLength(1);
    const after = await linksOf(id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before!.id, remoteId: before!.remoteId, createStartedAt: before!.createStartedAt });
  });
});
