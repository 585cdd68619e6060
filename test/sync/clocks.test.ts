// Review #19: the reconciler compares a link's updatedAt with the database's now() ("untouched for 30 s"),
// so every write of a failed attempt must stamp updatedAt with the database's clock too. Here the worker's
// clock runs ten minutes behind the database's: the failed attempt's updatedAt must still be the database's now.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { githubOnly, startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { linksOf } from '../helpers/links.ts';

// The fakes of the describe block running (each starts its own, with GitHub alone configured).
let t: Trackers;
let svc: Service;

afterEach(() => {
  vi.useRealTimers();
  t.clearFaults();
});

describe('the clock of a failed attempt', () => {
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ t, svc, stop } = await startWithTrackers({ env: (base) => githubOnly(base), debounceMs: 0, tune: { jobRetry: { attempts: 2, backoffMs: 100 } } }));
  });
  afterAll(() => stop?.());

  it("stamps the link's updatedAt with the database's clock, not the worker's", async () => {
    t.github.tracker.fail({ status: 503, route: 'ticket.create', times: 1000 });
    // Only Date is faked (timers stay real): this process, worker included, believes it is ten minutes earlier.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() - 10 * 60_000);
    const d = await createDefect(svc.http, { title: 'Worker clock behind the database' });
    await until('a failed attempt recorded', async () => (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'github' && (l.syncState === 'retrying' || l.syncState === 'failed')));
    const [row] = await svc.prisma.$queryRaw<{ skewMs: number; state: string }[]>`
      SELECT (EXTRACT(EPOCH FROM (now() - l."updatedAt")) * 1000)::float8 AS "skewMs", l."syncState"::text AS state
      FROM "TrackerLink" l WHERE l."defectId" = ${d.id}::uuid AND l.tracker = 'github'`;
    // Written within the last few seconds by the database's clock (ten minutes off with the worker's).
    expect(Math.abs(row!.skewMs), `updatedAt is ${Math.round(row!.skewMs / 1000)} s before the database's now()`).toBeLessThan(5000);
  });
});

describe('the clock of a link attached by hand', () => {
  // No workers: what is read back is the API's own write, not a later sync's.
  let api: Service;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ t, svc: api, stop } = await startWithTrackers({ env: (base) => githubOnly(base), debounceMs: 0, workers: false }));
  });
  afterAll(() => stop?.());

  it("stamps the link's updatedAt with the database's clock, not the API host's", async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() - 10 * 60_000);
    const existing = t.github.createByHand({ title: 'Filed by a developer', body: 'steps' });
    const d = await createDefect(api.http, { title: 'API host clock behind, linked by hand' });
    const attached = await api.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', key: String(existing['number']) });
    expect(attached.status, JSON.stringify(attached.body)).toBeLessThan(300);
    const rows = await api.prisma.$queryRaw<{ skewMs: number }[]>`
      SELECT (EXTRACT(EPOCH FROM (now() - l."updatedAt")) * 1000)::float8 AS "skewMs"
      FROM "TrackerLink" l WHERE l."defectId" = ${d.id}::uuid AND l.tracker = 'github'`;
    expect(rows).toHaveLength(1);
    expect(Math.abs(rows[0]!.skewMs), `updatedAt is ${Math.round(rows[0]!.skewMs / 1000)} s before the database's now()`).toBeLessThan(5000);
  });
});
