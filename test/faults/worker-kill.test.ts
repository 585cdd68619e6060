// kill -9 of a worker process in the middle of a busy two-way run: defects created and edited through
// the API, people editing the tickets in all three fakes with webhooks on, two worker processes. One is
// killed, another started: every defect ends synced, no ticket twice, and no change is lost: each
// side's last edit (API: title, GitHub: assignee, Jira: priority, Asana: done) shows on all four sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { serviceProcess } from '../helpers/service-process.ts';
import { agreedSide } from '../helpers/sides.ts';

let t: Trackers;
let api: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  // The API (and the webhook routes) here; the workers are the child processes.
  ({ t, svc: api, stop } = await startWithTrackers({ sendWebhooks: true, settleOnStop: true, workers: false }));
});
afterAll(() => stop?.());

const worker = () => serviceProcess('worker', { ...t.env, QUEUE_PREFIX: api.queuePrefix, PUBLIC_URL: api.url! });

async function create(i: number): Promise<{ id: string; key: string }> {
  const res = await api.http.post('/api/defects').send({ title: `Busy ${i}`, assignee: ANA.email, severity: 'medium' });
  expect(res.status).toBe(201);
  return res.body;
}

async function remoteIds(id: string) {
  const links = await api.prisma.trackerLink.findMany({ where: { defectId: id, remoteId: { not: null } } });
  return links.length === 3 ? Object.fromEntries(links.map((l) => [l.tracker, l.remoteId!])) : null;
}

describe('a worker killed with SIGKILL during a busy two-way run', () => {
  it('ends with every defect synced, one ticket each, and every side\'s last edit on all four sides', async () => {
    const a = worker();
    const b = worker();
    const defects: { id: string; key: string }[] = [];
    for (let i = 0; i < 24; i += 6) defects.push(...(await Promise.all(Array.from({ length: 6 }, (_, j) => create(i + j)))));
    const edited = defects.slice(0, 12);
    const ids = await Promise.all(edited.map((d) => until(`tickets of ${d.key}`, () => remoteIds(d.id), 30_000)));

    // The busy part: API edits on every defect, hand edits in every tracker on half of them, and the
    // kill in the middle of it.
    const apiEdits = (async () => {
      for (let round = 1; round <= 4; round++) {
        await Promise.all(defects.map(async (d) => expect((await api.http.patch(`/api/defects/${d.key}`).send({ title: `Busy ${d.key} r${round}` })).status).toBe(200)));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const handEdits = (async () => {
      for (const [n, r] of ids.entries()) {
        t.github.editByHand(Number(r['github']), { assignees: [BOB.github] });
        t.jira.edit(r['jira']!, { priority: { name: 'Highest' } });
        t.asana.editTask(r['asana']!, { completed: true });
        if (n === 4) {
          expect(await a.kill('SIGKILL')).toBe('SIGKILL');
        }
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    await Promise.all([apiEdits, handEdits]);
    const c = worker();

    for (const d of defects) {
      const wanted = { title: `Busy ${d.key} r4`, ...(edited.includes(d) ? { severity: 'critical', done: true, assignee: BOB.email } : { severity: 'medium', done: false, assignee: ANA.email }) };
      await until(`${d.key} in step on all four sides`, async () => JSON.stringify(await agreedSide(api.http, t, d.key)) === JSON.stringify(wanted), 45_000);
    }
    for (const d of defects) {
      const tickets = t.ticketsFor(d.id);
      expect([tickets.github.length, tickets.jira.length, tickets.asana.length], d.key).toEqual([1, 1, 1]);
    }
    const links = await api.prisma.trackerLink.findMany({ where: { defectId: { in: defects.map((d) => d.id) } } });
    expect(links.filter((l) => l.syncState !== 'synced')).toEqual([]);
    expect(b.alive() && c.alive()).toBe(true);
    await Promise.all([b.kill(), c.kill()]);
  }, 58_000);
});
