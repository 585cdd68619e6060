// What a sync reads and writes beyond the fields: only the failing runs the footer shows (plus their
// count, in a fixed order), bounded detail views, and warnings for what could not go across.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { loadTicket } from '../../src/sync/ticket.ts';
import { unique, distinctMessage } from '../helpers/context.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ debounceMs: 100 }));
});
afterAll(() => stop?.());

type Link = { tracker: string; remoteId: string; syncState: string; lastSyncedAt: string; warnings: string[] };
const links = async (key: string): Promise<Link[]> => (await svc.http.get(`/api/defects/${key}/links`)).body.data;
const allSynced = (key: string, since = 0) =>
  until(`${key} synced everywhere`, async () => {
    const l = await links(key);
    return l.length === 3 && l.every((x) => x.syncState === 'synced' && Date.parse(x.lastSyncedAt) >= since) && l;
  });

describe('failing runs on the ticket', () => {
  it('lists the ten newest of 30 and counts them all; runs of the same time keep one order', async () => {
    const testCase = unique('case');
    const base = Date.parse('2026-11-20T00:00:00.000Z');
    const ids: string[] = [];
    // Runs 0..29, one hour apart, except that runs 20 and 21 (the 10th and 11th newest) finished together.
    for (let i = 0; i < 30; i++) {
      const at = new Date(base + Math.min(i, i === 21 ? 20 : i) * 3600_000).toISOString();
      ids.push((await recordRun(svc.http, { testCase: `${testCase}-${i}`, status: 'failed', message: distinctMessage(`boom ${i}`), finishedAt: at })).id);
    }
    const d = await createDefect(svc.http, { title: 'Found by thirty runs', caseRunIds: ids });

    const loaded = await loadTicket(svc.prisma, d.id, 'http://ds.example');
    expect(loaded!.ticket.context.failingRunCount).toBe(30);
    expect(loaded!.ticket.context.failingRuns).toHaveLength(10);
    // Newest first: runs 29..22, then the two of the same time by id, the smaller id first.
    const [first, second] = ids[20]! < ids[21]! ? [20, 21] : [21, 20];
    expect(loaded!.ticket.context.failingRuns.slice(8).map((r) => r.testCase)).toEqual([`${testCase}-${first}`, `${testCase}-${second}`]);

    const l = await allSynced(d.key);
    const body = (t.github.issue(Number(l.find((x) => x.tracker === 'github')!.remoteId)) as { body: string }).body;
    expect(body).toContain('**Failing tests:** 30');
    expect(body).toMatch(/\*\*More failing runs:\*\* \[20\]/);
    expect(body.match(/^- `/gm)).toHaveLength(10);

    // A sync that finds nothing new sends nothing: the footer's digest does not flip between reads.
    const writes = t.writes();
    const since = Date.now();
    await patchDefect(svc.http, d.key, { project: 'shop-web' }); // the project shows on no ticket
    await allSynced(d.key, since);
    expect(t.writes()).toEqual(writes);
  });
});

describe("a defect's detail", () => {
  it('shows the newest 100 case runs and history entries, oldest first, with the totals', async () => {
    const d = await createDefect(svc.http, { title: 'Much history' });
    const runs = Array.from({ length: 130 }, (_, i) => ({
      id: crypto.randomUUID(),
      launch: 'bulk',
      testCase: `bulk-${i}`,
      status: 'failed' as const,
      ranAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 60_000),
    }));
    await svc.prisma.caseRun.createMany({ data: runs });
    await svc.prisma.defectCaseRun.createMany({ data: runs.map((r) => ({ defectId: d.id, caseRunId: r.id, linkedAt: r.ranAt })) });
    const moves = ['in_progress', 'open'] as const satisfies readonly ('in_progress' | 'open')[];
    await svc.prisma.statusChange.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({ defectId: d.id, from: moves[(i + 1) % 2]!, to: moves[i % 2]!, actor: 'bulk', at: new Date(Date.parse('2026-11-02T00:00:00Z') + i * 1000) })),
    });
    const res = await svc.http.get(`/api/defects/${d.key}`);
    expect(res.status).toBe(200);
    expect(res.body.caseRunCount).toBe(130);
    expect(res.body.caseRuns).toHaveLength(100);
    expect(res.body.caseRuns[0].testCase).toBe('bulk-30');
    expect(res.body.caseRuns.at(-1).testCase).toBe('bulk-129');
    expect(res.body.historyCount).toBe(121);
    expect(res.body.history).toHaveLength(100);
    expect(Date.parse(res.body.history[0].at)).toBeLessThan(Date.parse(res.body.history.at(-1).at));
    const patched = await patchDefect(svc.http, d.key, { title: 'Much history, edited' });
    expect(patched.caseRuns).toHaveLength(100);
    expect(patched.caseRunCount).toBe(130);
  });

  it('is read without overlapping queries on one connection (deprecated by pg 9)', async () => {
    // pg's own condition for its deprecation warning, observed on every client (the warning itself
    // is printed once per process, so it cannot tell this test from an earlier one).
    const query = pg.Client.prototype.query;
    let overlapping = 0;
    pg.Client.prototype.query = function (this: pg.Client & { _queryQueue: unknown[]; pipeline?: boolean }, ...args: unknown[]) {
      if (this._queryQueue.length > 0 && !this.pipeline) overlapping++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      const d = await createDefect(svc.http, { title: 'Quiet write', assignee: ANA.email });
      await patchDefect(svc.http, d.key, { title: 'Quiet write, edited', status: 'in_progress' });
      await allSynced(d.key);
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(overlapping).toBe(0);
  });
});

describe('what a sync could not carry over', () => {
  it('shows an assignee missing from the people mapping as a warning on the link until it is resolved', async () => {
    const d = await createDefect(svc.http, { title: 'Assigned to a newcomer', assignee: 'carol@example.com' });
    const l = await allSynced(d.key);
    for (const link of l) {
      expect(link.warnings, link.tracker).toEqual([expect.stringContaining('carol@example.com')]);
      expect(link.warnings[0], link.tracker).toContain(link.tracker);
    }
    const since = Date.now();
    await patchDefect(svc.http, d.key, { assignee: ANA.email });
    for (const link of await allSynced(d.key, since)) expect(link.warnings, link.tracker).toEqual([]);
  });
});
