// The three fake trackers in a process of their own, so the benchmarks measure the service and not the
// fakes (which share no CPU time with it). Started by fakes-client.ts with an IPC channel: it sends
// {ready, env} once listening, then answers the parent's requests (call counts, tickets per marker,
// webhook target) until told to stop.
import { startTrackers, type Trackers } from '../../fakes/index.ts';
import { findMarker } from '../../connectors/marker.ts';
import type { FakeTracker } from '../../fakes/kit.ts';
import type { TrackerKind } from '../../connectors/contract.ts';

export type CallCounts = { reads: number; writes: number; notModified: number; byRoute: Record<string, number> };
export type TicketCensus = { tickets: number; defects: number; duplicates: number; unmarked: number };

export type FakesRequest =
  | { op: 'counts' }
  | { op: 'census' }
  | { op: 'titles'; defectId: string }
  | { op: 'webhooks'; target: string; secrets: { github: string; jira: string } }
  | { op: 'settled' }
  | { op: 'stop' };

const t = await startTrackers();
const trackers = (): [TrackerKind, FakeTracker][] => [
  ['github', t.github.tracker],
  ['jira', t.jira.tracker],
  ['asana', t.asana.tracker],
];

function counts(tracker: FakeTracker): CallCounts {
  const out: CallCounts = { reads: 0, writes: 0, notModified: 0, byRoute: {} };
  for (const call of tracker.calls) {
    if (call.method === 'GET') out.reads++;
    else out.writes++;
    if (call.status === 304) out.notModified++;
    out.byRoute[call.route] = (out.byRoute[call.route] ?? 0) + 1;
  }
  return out;
}

/** Tickets per defect marker, in one pass over each tracker's tickets. */
function census(markers: (string | null)[]): TicketCensus {
  const perDefect = new Map<string, number>();
  let unmarked = 0;
  for (const m of markers) {
    if (!m) unmarked++;
    else perDefect.set(m, (perDefect.get(m) ?? 0) + 1);
  }
  return { tickets: markers.length, defects: perDefect.size, duplicates: [...perDefect.values()].filter((n) => n > 1).length, unmarked };
}

function markersOf(x: Trackers): Record<TrackerKind, (string | null)[]> {
  return {
    github: x.github.issues().map((i) => findMarker(i.body as string)),
    jira: x.jira.issues().map((i) => ((i.fields as { labels?: string[] }).labels ?? []).map((l) => findMarker(l)).find(Boolean) ?? null),
    asana: x.asana.tasks().map((task) => findMarker(task.notes as string)),
  };
}

async function answer(req: FakesRequest): Promise<unknown> {
  switch (req.op) {
    case 'counts':
      return Object.fromEntries(trackers().map(([k, tr]) => [k, counts(tr)]));
    case 'census': {
      const m = markersOf(t);
      return { github: census(m.github), jira: census(m.jira), asana: census(m.asana) };
    }
    case 'titles': {
      const tickets = t.ticketsFor(req.defectId);
      return {
        github: tickets.github.map((i) => i.title),
        jira: tickets.jira.map((i) => (i.fields as { summary: string }).summary),
        asana: tickets.asana.map((task) => task.name),
      };
    }
    case 'webhooks':
      t.sendWebhooksTo(req.target, req.secrets);
      return null;
    case 'settled':
      await t.webhooksSettled();
      return null;
    case 'stop':
      await t.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (msg: { id: number; req: FakesRequest }) => {
  answer(msg.req).then(
    (value) => process.send!({ id: msg.id, value }),
    (err: unknown) => process.send!({ id: msg.id, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0)); // the parent died: never outlive it
process.send!({ ready: true, env: t.env });
