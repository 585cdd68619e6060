// Review #19: the reconciler compares a link's updatedAt with the database's now() ("untouched for 30 s"),
// so every write of a failed attempt must stamp updatedAt with the database's clock too. Here the worker's
// clock runs ten minutes behind the database's: the failed attempt's updatedAt must still be the database's now.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTrackers, type Trackers } from '../../fakes/index.ts';
import { startService, until } from '../helpers/service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { linksOf } from '../helpers/links.ts';

let t: Trackers;
let svc: Awaited<ReturnType<typeof startService>>;

beforeAll(async () => {
  t = await startTrackers();
  const { GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, SYNC_CONFIG } = t.env;
  svc = await startService({
    env: { GITHUB_TOKEN: GITHUB_TOKEN!, GITHUB_REPOSITORY: GITHUB_REPOSITORY!, GITHUB_API_URL: GITHUB_API_URL!, SYNC_CONFIG: SYNC_CONFIG! },
    debounceMs: 0,
    tune: { jobRetry: { attempts: 2, backoffMs: 100 } },
  });
});
afterEach(() => {
  vi.useRealTimers();
  t.clearFaults();
});
afterAll(async () => {
  await svc?.stop();
  await t?.stop();
});

describe('the clock of a failed attempt', () => {
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
