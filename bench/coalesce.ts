// Bursts coalesce: `npm run bench:coalesce`. 100 edits of one defect within one second, with the default
// debounce (SYNC_DEBOUNCE_MS 1000), against the service (`node src/main.ts all`) and the fake trackers,
// each in a child process of its own. Prints the update calls per tracker (floor: 1, one write carrying
// the final values) and the time until every tracker shows the final title (floor: the burst, the
// debounce, then one bare update call); asserts nothing.
//   BENCH_EDITS   edits in the burst (default 100)   BENCH_BURST_MS   the burst's length (default 1000)
import { benchDeployment, startServiceProcess, type ServiceProcess } from './lib/service.ts';
import { callsBetween, startFakesProcess } from './lib/fakes-client.ts';
import { measureFloor } from './lib/floor.ts';
import { api, machine, sleep, until } from './lib/stats.ts';

const EDITS = Number(process.env.BENCH_EDITS ?? 100);
const BURST_MS = Number(process.env.BENCH_BURST_MS ?? 1000);
const DEBOUNCE_MS = 1000; // the service's default, stated here so the floor can use it

const deployment = benchDeployment('coalesce');
const fakes = await startFakesProcess();
let service: ServiceProcess | undefined;
try {
  service = await startServiceProcess('all', { ...fakes.env, ...deployment.env, SYNC_POLL_MS: '0' });
  const base = service.base;
  const d = await api(base, 'POST', '/api/defects', { title: 'burst 0', severity: 'high', assignee: 'ana@example.com' });
  await until('the tickets created', async () => {
    const links = (await api(base, 'GET', `/api/defects/${d.key}/links`)).data as { syncState: string }[];
    return links.length === 3 && links.every((l) => l.syncState === 'synced');
  });
  await sleep(200);

  // Each edit is sent at its time, not after the previous answer: the burst lasts BURST_MS however slow
  // the answers. Edits that overlap commit in some order; the final title is whatever the defect holds.
  const calls0 = await fakes.counts();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: EDITS }, async (_, i) => {
      await sleep(((i + 1) * BURST_MS) / EDITS);
      await api(base, 'PATCH', `/api/defects/${d.key}`, { title: `burst ${i + 1}` });
    }),
  );
  const burstMs = performance.now() - t0;
  const final = (await api(base, 'GET', `/api/defects/${d.key}`)).title as string;
  const seen: Record<string, number> = {};
  await until('the final title in every tracker', async () => {
    const titles = await fakes.titles(d.id);
    for (const [tracker, list] of Object.entries(titles)) if (list[0] === final && seen[tracker] === undefined) seen[tracker] = performance.now() - t0;
    return Object.keys(seen).length === 3;
  }, 60_000, 10);
  const settleMs = Math.max(...Object.values(seen));
  await sleep(DEBOUNCE_MS + 500); // anything still on its way shows in the counts
  const calls = callsBetween(calls0, await fakes.counts());
  await service.stop();

  const floorFakes = await startFakesProcess();
  const floor = await measureFloor(floorFakes.env, 1, 1);
  await floorFakes.stop();
  const floorMs = burstMs + DEBOUNCE_MS + floor.update.seconds * 1000;

  console.log(`bench:coalesce  ${await machine()}`);
  console.log(`  ${EDITS} edits of one defect in ${burstMs.toFixed(0)} ms, SYNC_DEBOUNCE_MS=${DEBOUNCE_MS} (default)`);
  for (const [tracker, c] of Object.entries(calls)) {
    console.log(`  ${tracker.padEnd(6)} update calls ${c.writes} (${c.writes.toFixed(2)}× floor 1), reads ${c.reads}; final title after ${seen[tracker]!.toFixed(0)} ms  [${Object.entries(c.byRoute).map(([r, n]) => `${r} ${n}`).join(', ')}]`);
  }
  console.log(`  every tracker final ${settleMs.toFixed(0)} ms after the first edit (${(settleMs / floorMs).toFixed(2)}× floor ${floorMs.toFixed(0)} ms = burst + debounce + one bare update)`);
  const writes = Object.values(calls).map((c) => c.writes);
  console.log(`SUMMARY coalesce: ${EDITS} edits → ${writes.join('/')} update calls (GitHub/Jira/Asana; floor 1 each), final everywhere after ${(settleMs / 1000).toFixed(2)} s (${(settleMs / floorMs).toFixed(2)}× floor)`);
} finally {
  await service?.stop();
  await fakes.stop();
  await deployment.cleanup();
}
