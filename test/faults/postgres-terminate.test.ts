// Every connection of the service (`node src/main.ts all` in a child process) to the test database is
// terminated with pg_terminate_backend, three times, under load: API writes, the relay's LISTEN, the
// sync locks, Prisma's pool. The process stays up, /readyz is 200 again by itself, and every defect the
// API acknowledged ends in step on all four sides with one ticket each.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { until } from '../helpers/service.ts';
import { databaseUrl } from '../helpers/context.ts';
import { notJsonLines, readiness } from '../helpers/service-process.ts';
import { processWithTrackers, type TrackedProcess } from '../helpers/tracked-service.ts';
import { untilInStep } from '../helpers/sides.ts';

let t: Trackers;
let svc: TrackedProcess['svc'];
let stop: () => Promise<void>;
const admin = new pg.Client({ connectionString: databaseUrl });

beforeAll(async () => {
  ({ t, svc, stop } = await processWithTrackers());
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await stop();
});

/** Ends every session of the child process on this database; returns how many there were. */
async function terminateServiceConnections(): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return rows.length;
}

describe('Postgres connections terminated under load', () => {
  it('recovers by itself and loses nothing the API acknowledged', async () => {
    const acked: { id: string; key: string; title: string }[] = [];
    let failed = 0;
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const title = `Across a failover ${i}`;
        // A request whose connection died mid-way may fail (5xx, or a reset socket: a kept-alive socket the
        // server closed as the client reused it, under load); one that answered 201 must stick. A failure
        // must not end the load, or the rounds below would find no connection to terminate.
        const res = await svc.http.post('/api/defects').send({ title, assignee: ANA.email }).catch(() => null);
        if (res?.status === 201) acked.push({ ...res.body, title });
        else failed++;
        await new Promise((r) => setTimeout(r, 80));
      }
    })();
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 1200));
      expect(await terminateServiceConnections()).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 500));
    loading = false;
    await load;
    expect(svc.alive()).toBe(true);
    await until('/readyz 200 again', async () => (await readiness(svc.url)).status === 200, 10_000);
    expect(acked.length).toBeGreaterThan(10);
    expect(failed).toBeLessThan(acked.length);

    for (const d of acked) await untilInStep(svc.http, t, d.key, { title: d.title, severity: 'medium', done: false, assignee: ANA.email }, 30_000);
    for (const d of acked) {
      const tickets = t.ticketsFor(d.id);
      expect([tickets.github.length, tickets.jira.length, tickets.asana.length], d.key).toEqual([1, 1, 1]);
    }
    // The service still takes new work through a fresh LISTEN connection (not only the sweep).
    const late = await svc.http.post('/api/defects').send({ title: 'After the failovers', assignee: ANA.email });
    expect(late.status).toBe(201);
    await untilInStep(svc.http, t, late.body.key, { title: 'After the failovers', severity: 'medium', done: false, assignee: ANA.email }, 15_000);
    expect(notJsonLines(svc.output).slice(0, 5)).toEqual([]);
  }, 58_000);
});
