// The floor of the outbound figures: the same tickets written straight through the real connectors
// (hence the real SDKs) by a bare script, no database, no queue, at the service's concurrency per
// tracker. What the service adds on top of this is what the benchmarks measure.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { buildConnectors } from '../../src/sync/connectors.ts';
import { resolveConnections } from '../../src/sync/connections.ts';
import { loadSyncConfig, outboundFields } from '../../src/sync/sync-config.ts';
import { ticketToCreate } from '../../src/sync/plan.ts';
import type { Connector, OutboundTicket, TicketRef } from '../../connectors/contract.ts';
import { pool } from './stats.ts';

export type FloorFigures = { perSecond: number; cpuMsPerTicket: number; seconds: number; count: number };

function ticketFor(n: number, title: string): OutboundTicket {
  const key = `DEF-${n + 1}`;
  return {
    fields: { title, description: '', severity: 'high', status: 'open', assignee: 'ana@example.com', milestone: null, tags: [] },
    context: { defectId: randomUUID(), defectKey: key, defectUrl: `http://127.0.0.1:3000/api/defects/${key}`, failingRuns: [], failingRunCount: 0 },
  };
}

/** Times `work` over every connector at once, `concurrency` calls per tracker; CPU of this process. */
async function timed(connectors: Map<string, Connector>, n: number, concurrency: number, work: (c: Connector, i: number) => Promise<void>): Promise<FloorFigures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all([...connectors.values()].map((c) => pool(n, concurrency, (i) => work(c, i))));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const count = n * connectors.size;
  return { perSecond: count / seconds, cpuMsPerTicket: (cpu.user + cpu.system) / 1000 / count, seconds, count };
}

/** n creates per tracker, then n title updates of those tickets. */
export async function measureFloor(trackerEnv: Record<string, string>, n: number, concurrency: number): Promise<{ create: FloorFigures; update: FloorFigures }> {
  const config = loadConfig({ ...trackerEnv, DATABASE_URL: 'postgresql://unused', SYNC_TIMEOUT_MS: '15000' });
  const sync = loadSyncConfig(config.syncConfigPath);
  const outbound = outboundFields(sync);
  const connectors = await buildConnectors(resolveConnections(config, sync), sync, config.sync.timeoutMs);
  const refs = new Map<string, TicketRef[]>([...connectors.keys()].map((k) => [k, []]));
  const tickets = Array.from({ length: n }, (_, i) => ticketFor(i, `floor defect ${i}`));
  const create = await timed(connectors, n, concurrency, async (c, i) => {
    refs.get(c.connection)![i] = await c.create(ticketToCreate(tickets[i]!, outbound));
  });
  const update = await timed(connectors, n, concurrency, async (c, i) => {
    const before = tickets[i]!;
    const edited = { ...before, fields: { ...before.fields, title: `${before.fields.title} (edited)` } };
    await c.update(refs.get(c.connection)![i]!, edited, new Set(['title']), c.canonical(before.fields));
  });
  return { create, update };
}
