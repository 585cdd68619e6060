// The sync lock's database session can die mid-sync (failover, restart, idle_session_timeout): the
// attempt fails as transient, the process lives on, and the retry finishes the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDefect } from '../helpers/fixtures.ts';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { databaseUrl } from '../helpers/context.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;
const admin = new pg.Client({ connectionString: databaseUrl });

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ debounceMs: 100 }));
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await stop?.();
});

/** The backend holding the sync lock of this defect and tracker (an advisory lock on a bigint key). */
async function lockHolder(defectId: string, tracker: string): Promise<number | undefined> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
    [`${defectId}/${tracker}`],
  );
  return rows[0]?.pid;
}

describe('losing the sync lock session', () => {
  it('fails the attempt as transient without crashing, and the retry syncs', async () => {
    t.github.tracker.latencyMs = 1500;
    const d = await createDefect(svc.http, { title: 'Synced across a database failover' });
    const pid = await until('the sync to hold its lock', () => lockHolder(d.id, 'github'));
    const { rows } = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid]);
    expect(rows[0]!.done).toBe(true);
    t.github.tracker.latencyMs = 0;

    const link = await until('the link to sync after the lost lock', async () => {
      const l = await svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId: d.id, connection: 'github' } } });
      return l?.syncState === 'synced' && l;
    });
    expect(link.attempts).toBe(0);
    expect(t.ticketsFor(d.id).github).toHaveLength(1);
    // The worker still takes new jobs.
    const e = await createDefect(svc.http, { title: 'After the failover' });
    // In every tracker: a create of this defect still under way would be counted by the next test's calls.
    await until('a later defect to sync', async () => {
      const links = (await svc.http.get(`/api/defects/${e.key}/links`)).body.data as { syncState: string }[];
      return links.length === 3 && links.every((l) => l.syncState === 'synced');
    });
  });

  it('keeps the Asana task id saved at the create when the lock is lost during it: the retry needs no marker search', async () => {
    t.asana.tracker.latencyMs = 1500;
    const findsBefore = t.asana.tracker.count('ticket.find');
    const createsBefore = t.asana.tracker.count('ticket.create');
    const d = await createDefect(svc.http, { title: 'Asana create across a database failover' });
    const pid = await until('the Asana sync to hold its lock', () => lockHolder(d.id, 'asana'));
    // The lock's session dies while the create call (1.5 s) is under way.
    const { rows } = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid]);
    expect(rows[0]!.done).toBe(true);
    const link = await until('the Asana link to sync after the lost lock', async () => {
      const l = await svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId: d.id, connection: 'asana' } } });
      return l?.syncState === 'synced' && l;
    }, 20_000);
    t.asana.tracker.latencyMs = 0;
    expect(t.asana.tracker.count('ticket.create') - createsBefore).toBe(1);
    expect(t.ticketsFor(d.id).asana).toHaveLength(1);
    expect(link.remoteId).toBe(t.ticketsFor(d.id).asana[0]!['gid']);
    // The id was stored the moment the create returned (contract.ts), so the retry did not look for it.
    expect(t.asana.tracker.count('ticket.find') - findsBefore).toBe(0);
  });
});
