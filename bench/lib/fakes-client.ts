// The parent's side of fakes-process.ts: forks it, waits for its environment, and turns requests into
// promises over the IPC channel.
import { fork, type ChildProcess } from 'node:child_process';
import type { TrackerKind } from '../../connectors/contract.ts';
import type { CallCounts, FakesRequest, TicketCensus } from './fakes-process.ts';

export type { CallCounts, TicketCensus };
export type PerTracker<T> = Record<TrackerKind, T>;

export type FakesProcess = {
  env: Record<string, string>;
  pid: number;
  counts(): Promise<PerTracker<CallCounts>>;
  census(): Promise<PerTracker<TicketCensus>>;
  titles(defectId: string): Promise<PerTracker<string[]>>;
  sendWebhooksTo(target: string, secrets: { github: string; jira: string }): Promise<void>;
  webhooksSettled(): Promise<void>;
  stop(): Promise<void>;
};

export async function startFakesProcess(): Promise<FakesProcess> {
  const child: ChildProcess = fork(new URL('./fakes-process.ts', import.meta.url).pathname, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake trackers exited with ${code}`)));
    child.on('message', (msg: { ready?: boolean; env?: Record<string, string>; id?: number; value?: unknown; error?: string }) => {
      if (msg.ready) return resolve(msg.env!);
      const p = pending.get(msg.id!);
      pending.delete(msg.id!);
      if (msg.error) p?.reject(new Error(msg.error));
      else p?.resolve(msg.value);
    });
  });
  const ask = <T>(req: FakesRequest) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, req });
    });
  return {
    env,
    pid: child.pid!,
    counts: () => ask({ op: 'counts' }),
    census: () => ask({ op: 'census' }),
    titles: (defectId) => ask({ op: 'titles', defectId }),
    sendWebhooksTo: (target, secrets) => ask({ op: 'webhooks', target, secrets }),
    webhooksSettled: () => ask({ op: 'settled' }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await ask({ op: 'stop' }).catch(() => undefined);
      await exited;
    },
  };
}

/** b minus a, route by route: the calls made between two counts. */
export function callsBetween(a: PerTracker<CallCounts>, b: PerTracker<CallCounts>): PerTracker<CallCounts> {
  const diff = (x: CallCounts, y: CallCounts): CallCounts => ({
    reads: y.reads - x.reads,
    writes: y.writes - x.writes,
    notModified: y.notModified - x.notModified,
    byRoute: Object.fromEntries(Object.entries(y.byRoute).map(([r, n]) => [r, n - (x.byRoute[r] ?? 0)]).filter(([, n]) => (n as number) > 0)),
  });
  return { github: diff(a.github, b.github), jira: diff(a.jira, b.jira), asana: diff(a.asana, b.asana) };
}
