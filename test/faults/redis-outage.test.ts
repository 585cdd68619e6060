// Redis stopped for a few seconds under load, then started again empty on the same port: a Redis of
// this test's own, never the machine's. The service (`node src/main.ts all` in a child process) keeps
// taking API writes and webhooks meanwhile, says Redis is down on /readyz (503) and up again after,
// and catches up by itself: outbox rows written during the outage are published, webhook deliveries
// recorded while their jobs could not be queued are queued by the sweep, and jobs Redis forgot are
// requeued by the reconciler. Nothing is lost: every defect ends in step on all four sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefect } from '../helpers/fixtures.ts';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { until } from '../helpers/service.ts';
import { privateRedis } from '../helpers/redis-server.ts';
import { notJsonLines, readiness } from '../helpers/service-process.ts';
import { processWithTrackers, type TrackedProcess } from '../helpers/tracked-service.ts';
import { agreedSide, untilInStep } from '../helpers/sides.ts';
import { linksOf } from '../helpers/links.ts';

let t: Trackers;
let redis: Awaited<ReturnType<typeof privateRedis>>;
let svc: TrackedProcess['svc'];
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  redis = await privateRedis();
  ({ t, svc, stop } = await processWithTrackers({ env: { REDIS_URL: redis.url }, sendWebhooks: true }));
});
afterAll(async () => {
  await stop?.();
  await redis?.stop();
});

const create = (title: string): Promise<{ id: string; key: string }> => createDefect(svc.http, { title, assignee: ANA.email });

const ticketOf = async (key: string, tracker: string) => (await linksOf(svc.http, key)).find((l) => l.tracker === tracker)!.remoteId!;

describe('Redis stopped under load and started again', () => {
  it('reports it on /readyz, keeps taking writes and webhooks, and catches up with nothing lost', async () => {
    expect(await readiness(svc.url)).toEqual({ status: 200, failing: [] });
    const before = await Promise.all(Array.from({ length: 6 }, (_, i) => create(`Before the outage ${i}`)));
    for (const d of before) await until(`${d.key} synced`, async () => (await agreedSide(svc.http, t, d.key))?.title === `Before the outage ${before.indexOf(d)}`, 30_000);

    // Load while Redis is away: a stream of new defects and edits through the API. (It starts once
    // Redis is down: a job Redis acknowledged just before dying is lost with its memory, and a defect
    // with no link yet is then not requeued by anyone; see the report of issue 10.)
    await redis.stop();
    const downAt = new Date();
    let loading = true;
    const during: { id: string; key: string; title: string }[] = [];
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const d = await create(`During the outage ${i}`);
        during.push({ ...d, title: `During the outage ${i}` });
        const edit = before[i % before.length]!;
        expect((await svc.http.patch(`/api/defects/${edit.key}`).send({ title: `Edited in the outage ${edit.key}` })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const down = await until('/readyz to report Redis down', async () => {
      const r = await readiness(svc.url);
      return r.status === 503 && r;
    });
    expect(down.failing).toEqual(['redis']);

    // People edit tickets while Redis is down: the deliveries are recorded, their jobs cannot be queued.
    t.github.editByHand(Number(await ticketOf(before[0]!.key, 'github')), { assignees: [BOB.github] });
    t.jira.edit(await ticketOf(before[1]!.key, 'jira'), { priority: { name: 'Highest' } });
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 2500));
    const stuck = await svc.http.get('/healthz');
    expect(stuck.status).toBe(200);
    const upAt = Date.now();
    await redis.start();
    await until('/readyz to report Redis up', async () => (await readiness(svc.url)).status === 200, 15_000);
    loading = false;
    await load;
    expect(svc.alive()).toBe(true);
    expect(during.length).toBeGreaterThan(3);

    const wanted = (key: string, title: string) => ({
      title,
      severity: 'medium',
      done: false,
      assignee: key === before[0]!.key ? BOB.email : ANA.email,
      ...(key === before[1]!.key && { severity: 'critical' }),
    });
    for (const d of before) {
      const title = `Edited in the outage ${d.key}`;
      await untilInStep(svc.http, t, d.key, wanted(d.key, title), 40_000);
    }
    for (const d of during) await untilInStep(svc.http, t, d.key, wanted(d.key, d.title), 20_000);
    for (const d of [...before, ...during]) {
      const tickets = t.ticketsFor(d.id);
      expect([tickets.github.length, tickets.jira.length, tickets.asana.length], d.key).toEqual([1, 1, 1]);
    }
    // The deliveries that came while Redis was down were recorded and answered (recorded is durable: the
    // tracker need not send them again); their jobs could not be queued then, and the sweep queued them.
    const inOutage = [...t.github.webhooks.sent, ...t.jira.webhooks.sent].filter((s) => s.at >= downAt.getTime() && s.at < upAt);
    expect(inOutage.length).toBeGreaterThan(0);
    expect(inOutage.filter((s) => s.status >= 300)).toEqual([]);
    // The outage shows in /readyz and in JSON log lines, never as raw stack traces on stderr.
    expect(notJsonLines(svc.output).slice(0, 5)).toEqual([]);
  }, 58_000);
});
