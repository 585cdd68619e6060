// Random interleavings of edits on all four sides (the API and a person in each fake tracker), with
// every tracker's webhooks duplicated, delayed, reordered and dropped, and a ticket linked again by hand
// while syncs run. Each round edits some fields, each field on one side (a random one), in a random
// order with random gaps, so the three-way merge sees concurrent changes of different fields from
// different places. After each round the service is left to settle (polls find what dropped webhooks
// missed) and the property is checked: all four sides hold the same values, each field the value of
// its latest edit, the edit a person made before a relink included, and one ticket per tracker.
// Two edits of one field at once are the edit storm's (test/faults/edit-storm.test.ts), where the
// winner is decided by time. Seed: FC_SEED (fixed by default); on failure fast-check prints the seed
// and the counterexample, which replays with FC_SEED=<seed>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { sidesOf, type Side } from '../helpers/sides.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';
import type { TrackerKind } from '../../connectors/contract.ts';

const SEED = Number(process.env.FC_SEED ?? 20261202);
const RUNS = Number(process.env.FC_RUNS ?? 4);
const ADMIN = 'admin-token-for-interleavings';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ env: { ADMIN_TOKEN: ADMIN }, sendWebhooks: true, settleOnStop: true, debounceMs: 150 }));
});
afterAll(() => stop?.());

type Place = 'api' | 'github' | 'jira' | 'asana';
type Field = 'title' | 'severity' | 'assignee' | 'done';
type Edit = { field: Field; place: Place; gapMs: number; pick: number };
type Round = { edits: Edit[]; relink: boolean; drop: { github: number; jira: number; asana: number } };
type Scenario = { copies: number; jitterMs: number; rounds: Round[] };

const PLACES: Place[] = ['api', 'github', 'jira', 'asana'];
const FIELDS: Field[] = ['title', 'severity', 'assignee', 'done'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const JIRA_PRIORITY: Record<string, string> = { critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low' };
const PEOPLE = [ANA, BOB, null] as const;

const edit: fc.Arbitrary<Omit<Edit, 'field'>> = fc.record({ place: fc.constantFrom(...PLACES), gapMs: fc.integer({ min: 0, max: 300 }), pick: fc.nat() });
const round: fc.Arbitrary<Round> = fc.record({
  // Each field at most once per round, in a random order.
  edits: fc
    .shuffledSubarray(FIELDS, { minLength: 1 })
    .chain((fields) => fc.tuple(...fields.map((field) => edit.map((e) => ({ ...e, field }))))),
  relink: fc.boolean(),
  drop: fc.record({ github: fc.integer({ min: 0, max: 1 }), jira: fc.integer({ min: 0, max: 1 }), asana: fc.integer({ min: 0, max: 1 }) }),
});
const scenario: fc.Arbitrary<Scenario> = fc.record({
  copies: fc.integer({ min: 1, max: 2 }),
  jitterMs: fc.integer({ min: 0, max: 300 }),
  rounds: fc.array(round, { minLength: 1, maxLength: 3 }),
});

const poll = (tracker: TrackerKind) => pollTracker(svc.prisma, svc.connectors.get(tracker)!, svc.inbox, createLogger('silent'));

/** Makes one edit on one side, returning what every side should then say for that field. */
async function apply(e: Edit, key: string, links: Link[], now: Side, label: string): Promise<Side> {
  const next: Side = { ...now };
  const gh = Number(remoteIdOf(links, 'github'));
  const jira = remoteIdOf(links, 'jira');
  const asana = remoteIdOf(links, 'asana');
  switch (e.field) {
    case 'title': {
      next.title = `${label} title by ${e.place}`;
      if (e.place === 'api') await svc.http.patch(`/api/defects/${key}`).send({ title: next.title }).expect(200);
      if (e.place === 'github') t.github.editByHand(gh, { title: next.title });
      if (e.place === 'jira') t.jira.edit(jira, { summary: next.title });
      if (e.place === 'asana') t.asana.editTask(asana, { name: next.title });
      break;
    }
    case 'severity': {
      const others = SEVERITIES.filter((s) => s !== now.severity);
      const severity = others[e.pick % others.length]!;
      next.severity = severity;
      if (e.place === 'api') await svc.http.patch(`/api/defects/${key}`).send({ severity }).expect(200);
      if (e.place === 'github') {
        const labels = (t.github.issue(gh) as { labels: { name: string }[] }).labels.map((l) => l.name).filter((n) => !n.startsWith('severity: '));
        t.github.editByHand(gh, { labels: [...labels, `severity: ${severity}`] });
      }
      if (e.place === 'jira') t.jira.edit(jira, { priority: { name: JIRA_PRIORITY[severity] } });
      if (e.place === 'asana') t.asana.editTask(asana, { severityOption: (t.asana.severityField().options as Record<string, string>)[severity]! });
      break;
    }
    case 'assignee': {
      const others = PEOPLE.filter((p) => (p?.email ?? null) !== now.assignee);
      const person = others[e.pick % others.length]!;
      next.assignee = person?.email ?? null;
      if (e.place === 'api') await svc.http.patch(`/api/defects/${key}`).send({ assignee: next.assignee }).expect(200);
      if (e.place === 'github') t.github.editByHand(gh, { assignees: person ? [person.github] : [] });
      if (e.place === 'jira') t.jira.edit(jira, { assignee: person ? { accountId: person.jira } : null });
      if (e.place === 'asana') t.asana.editTask(asana, { assignee: person ? t.asanaGid(person.email) : null });
      break;
    }
    case 'done': {
      next.done = !now.done;
      if (e.place === 'api') await svc.http.patch(`/api/defects/${key}`).send({ status: next.done ? 'resolved' : 'reopened' }).expect(200);
      if (e.place === 'github') t.github.editByHand(gh, next.done ? { state: 'closed', state_reason: 'completed' } : { state: 'open' });
      if (e.place === 'jira') t.jira.setStatus(jira, next.done ? 'Done' : 'To Do');
      if (e.place === 'asana') t.asana.editTask(asana, { completed: next.done });
      break;
    }
  }
  return next;
}

/** Links the GitHub issue again by hand, as a person fixing a link would; a running sync answers 409, so it retries. */
async function relink(key: string, links: Link[]): Promise<void> {
  const url = links.find((l) => l.tracker === 'github')!.url!;
  await until(`${key} linked again`, async () => {
    const res = await svc.http.post(`/api/defects/${key}/links`).send({ tracker: 'github', url });
    if (res.status === 409) return false;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return true;
  });
}

/** Polls (as the schedule would) until all four sides hold `wanted` and every link is synced; throws with every side on timeout. */
async function settled(key: string, wanted: Side): Promise<void> {
  await until(`${key} in step`, async () => {
    await t.webhooksSettled();
    await Promise.all((['github', 'jira', 'asana'] as const).map(poll));
    const sides = await sidesOf(svc.http, t, key);
    const links = await linksOf(svc.http, key);
    const ok = sides && Object.values(sides).every((s) => JSON.stringify(s) === JSON.stringify(wanted)) && links.every((l) => l.syncState === 'synced');
    if (!ok) {
      // What crossed, oldest first: which side's value went where.
      const activity = ((await svc.http.get(`/admin/defects/${key}/sync`).set('authorization', `Bearer ${ADMIN}`)).body as { activity?: unknown[] }).activity;
      throw new Error(`wanted ${JSON.stringify(wanted)}, sides ${JSON.stringify(sides)}, links ${JSON.stringify(links.map((l) => [l.tracker, l.syncState, l.lastError]))}, activity ${JSON.stringify(activity)}`);
    }
    return true;
  }, 25_000);
}

describe('random interleavings of edits on all four sides, webhooks faulty', () => {
  it('ends every round with all four sides equal, each field at its latest edit, nothing lost to a relink, one ticket each', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const d = await createDefect(svc.http, { title: `Interleaving ${run}`, severity: 'medium', assignee: ANA.email });
        const links = await settledLinks(svc.http, d.key, 0);
        await t.webhooksSettled();
        for (const f of [t.github, t.jira]) Object.assign(f.webhooks, { copies: s.copies, delayMs: 10, jitterMs: s.jitterMs });
        Object.assign(t.asana.webhookFaults, { copies: s.copies });
        let wanted: Side = { title: `Interleaving ${run}`, severity: 'medium', done: false, assignee: ANA.email };
        try {
          for (const [i, r] of s.rounds.entries()) {
            t.github.webhooks.dropNext = r.drop.github;
            t.jira.webhooks.dropNext = r.drop.jira;
            t.asana.webhookFaults.dropNext = r.drop.asana;
            for (const e of r.edits) {
              await new Promise((done) => setTimeout(done, e.gapMs));
              wanted = await apply(e, d.key, links, wanted, `${d.key} round ${i}`);
            }
            if (r.relink) await relink(d.key, links);
            await settled(d.key, wanted);
          }
          const tickets = t.ticketsFor(d.id);
          expect([tickets.github.length, tickets.jira.length, tickets.asana.length]).toEqual([1, 1, 1]);
        } finally {
          for (const f of [t.github, t.jira]) Object.assign(f.webhooks, { copies: 1, delayMs: 0, jitterMs: 0, dropNext: 0 });
          Object.assign(t.asana.webhookFaults, { copies: 1, dropNext: 0 });
          await t.webhooksSettled();
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 240_000);
});
