// All three trackers answer 500, 429 (Retry-After: 1) and slowly, at random, for a few seconds while
// defects are created and edited; then they heal. Everything converges, one ticket each, and the calls
// stay within what the retry policy allows: a failed call costs at most one more attempt, so the
// calls a tracker saw are bounded by (calls of a calm run) + (faults it answered) × (calls per attempt).
// A 5xx on a create may have created the issue: the retry waits out Jira's search lag (500 ms here:
// the fake's search has none) and looks for the marker first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, type Trackers } from '../../fakes/index.ts';
import type { Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { patchDefect, createDefect } from '../helpers/fixtures.ts';
import { untilInStep } from '../helpers/sides.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;
const SEED = Number(process.env.FAULT_SEED ?? 1124);

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ env: { SYNC_RECONCILE_MS: '1000', JIRA_SEARCH_LAG_MS: '500' }, debounceMs: 100, tune: { jobRetry: { attempts: 8, backoffMs: 100 }, slowRetry: { firstMs: 500, maxMs: 1000 } } }));
});
afterAll(() => stop?.());

/** A small deterministic generator, so a failing schedule replays with FAULT_SEED. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** The most calls one sync attempt makes (read, field times, update, transition, marker search). */
const CALLS_PER_ATTEMPT = 5;

describe('trackers failing at random for a while', () => {
  it('converge once healed, with calls bounded by the retry policy', async () => {
    const rnd = random(SEED);
    const fakes = [t.github, t.jira, t.asana];
    const injected = { github: 0, jira: 0, asana: 0 };
    const chaos = setInterval(() => {
      for (const f of fakes) {
        const roll = rnd();
        if (roll < 0.3) {
          const times = 1 + Math.floor(rnd() * 3);
          f.tracker.fail({ status: rnd() < 0.5 ? 500 : 503, times });
          injected[f.tracker.name as keyof typeof injected] += times;
        } else if (roll < 0.4) {
          f.tracker.fail({ status: 429, headers: { 'retry-after': '1' } });
          injected[f.tracker.name as keyof typeof injected] += 1;
        }
        f.tracker.latencyMs = rnd() < 0.3 ? Math.floor(rnd() * 600) : 0;
      }
    }, 250);

    const defects = [];
    for (let i = 0; i < 15; i++) defects.push(await createDefect(svc.http, { title: `Flaky ${i}`, assignee: ANA.email }));
    await new Promise((r) => setTimeout(r, 1500));
    for (const d of defects) await patchDefect(svc.http, d.key, { title: `Flaky ${d.key} edited`, severity: 'high' });
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(chaos);
    // Healing: no latency; faults not yet taken are dropped (they were never answered, so not counted).
    const answered = () => Object.fromEntries(fakes.map((f) => [f.tracker.name, f.tracker.calls.filter((c) => c.status >= 429 && c.status !== 404).length]));
    for (const f of fakes) f.tracker.latencyMs = 0;
    t.clearFaults();

    for (const d of defects) await untilInStep(svc.http, t, d.key, { title: `Flaky ${d.key} edited`, severity: 'high', done: false, assignee: ANA.email }, 40_000);
    for (const d of defects) {
      const tickets = t.ticketsFor(d.id);
      expect([tickets.github.length, tickets.jira.length, tickets.asana.length], d.key).toEqual([1, 1, 1]);
    }
    const failures = answered();
    expect(Object.values(failures).reduce((a, b) => a + b, 0), 'some faults were answered').toBeGreaterThan(5);
    for (const f of fakes) {
      const name = f.tracker.name as keyof typeof injected;
      expect(failures[name], name).toBeLessThanOrEqual(injected[name]);
      // A calm run costs each defect a create and an update (each at most CALLS_PER_ATTEMPT calls).
      const bound = CALLS_PER_ATTEMPT * (2 * defects.length + failures[name]!);
      expect(f.tracker.calls.length, `${name}: ${f.tracker.calls.length} calls, ${failures[name]} failed, bound ${bound}`).toBeLessThanOrEqual(bound);
      expect(f.tracker.count('ticket.create') - failedOf(f, 'ticket.create'), name).toBe(defects.length);
    }
  }, 58_000);
});

function failedOf(f: Trackers['github'] | Trackers['jira'] | Trackers['asana'], route: string): number {
  return f.tracker.calls.filter((c) => c.route === route && c.status >= 400).length;
}
