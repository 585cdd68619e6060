// Sync latency: `npm run bench:latency`. Two paths, each at low load and under the outbound load of
// bench:outbound (new defects streaming in while measuring):
//   outbound  a defect change committed → the tracker updated: the time of the first sync that wrote the
//             change (its SyncActivity row, written when the tracker's answer is back) minus the defect's
//             updatedAt, minus the debounce;
//   inbound   a tracker change → the defect updated: a title edited through the fake GitHub's API, which
//             sends its signed webhook to the service; the defect's updatedAt minus the moment the edit
//             returned, minus the debounce (webhook jobs wait it out too).
// Floor: the debounce (subtracted), so the figures are what the service adds. Asserts nothing.
//   BENCH_SAMPLES        edits per path and load (default 50, one every 100 ms)
//   BENCH_LOAD_DEFECTS   defects created as background load (default 1000)
import pg from 'pg';
import { benchDeployment, startServiceProcess, type ServiceProcess } from './lib/service.ts';
import { startFakesProcess } from './lib/fakes-client.ts';
import { api, machine, percentiles, pool, sleep, until } from './lib/stats.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const LOAD_DEFECTS = Number(process.env.BENCH_LOAD_DEFECTS ?? 1000);
const DEBOUNCE_MS = 1000; // the default
const SECRET = 'bench-webhook-secret';

const deployment = benchDeployment('latency');
const fakes = await startFakesProcess();
let service: ServiceProcess | undefined;
const db = new pg.Client({ connectionString: deployment.databaseUrl });
try {
  const env = { ...fakes.env, ...deployment.env, GITHUB_WEBHOOK_SECRET: SECRET, SYNC_DEBOUNCE_MS: String(DEBOUNCE_MS), SYNC_JOBS_PER_SECOND: '10000', SYNC_POLL_MS: '0' };
  service = await startServiceProcess('all', env);
  const base = service.base;
  await fakes.sendWebhooksTo(base, { github: SECRET, jira: 'unused-jira-secret' });
  await db.connect();
  const rows = async (sql: string, values: unknown[] = []) => (await db.query(sql, values)).rows;

  // Defects to edit: two per sample (one per path), per load level.
  const made: { id: string; key: string }[] = [];
  await pool(SAMPLES * 4, 8, async (i) => {
    made[i] = await api(base, 'POST', '/api/defects', { title: `latency ${i}`, severity: 'high' });
  });
  await until('the tickets created', async () => Number((await rows(`SELECT count(*) AS n FROM "TrackerLink" WHERE "syncState" = 'synced'`))[0].n) >= SAMPLES * 12);
  const github = new Map((await rows(`SELECT "defectId"::text AS d, "remoteId" FROM "TrackerLink" WHERE tracker = 'github'`)).map((r) => [r.d as string, r.remoteId as string]));
  await sleep(DEBOUNCE_MS + 500); // the creates' own webhooks come back and settle

  const slowest: string[] = [];
  /** Edits each defect through the API, one every 100 ms; per link, lastSyncedAt - updatedAt - debounce. */
  async function outbound(defects: { id: string; key: string }[]): Promise<number[]> {
    for (const d of defects) {
      await api(base, 'PATCH', `/api/defects/${d.key}`, { title: `${d.key} (defect edit)` });
      await sleep(100);
    }
    const ids = defects.map((d) => d.id);
    // The first sync that wrote the edit to the ticket (its activity row), not the link's lastSyncedAt: a later
    // job (the tracker's webhook echoing our own write, say) stamps that again without writing anything.
    const q = `SELECT extract(epoch FROM (min(a.at) - d."updatedAt")) * 1000 AS ms, a.connection, d.id::text AS id
               FROM "Defect" d JOIN "SyncActivity" a ON a."defectId" = d.id AND a.at >= d."updatedAt" AND 'title' = ANY(a.pushed)
               WHERE d.id = ANY($1::uuid[]) GROUP BY a.connection, d.id, d."updatedAt"`;
    await until('the edits synced', async () => (await rows(q, [ids])).length >= ids.length * 3, 120_000);
    const found = (await rows(q, [ids])).map((r) => ({ ms: Number(r.ms) - DEBOUNCE_MS, connection: r.connection as string, edit: ids.indexOf(r.id as string) }));
    slowest.push(found.sort((a, b) => b.ms - a.ms).slice(0, 3).map((f) => `${f.connection} edit #${f.edit} ${f.ms.toFixed(0)} ms`).join(', '));
    return found.map((f) => f.ms);
  }

  /** Edits each defect's GitHub issue through the fake's API; the fake's webhook brings the change in. */
  async function inbound(defects: { id: string; key: string }[]): Promise<number[]> {
    const editedAt = new Map<string, number>();
    for (const d of defects) {
      const res = await fetch(`${fakes.env.GITHUB_API_URL}/repos/${fakes.env.GITHUB_REPOSITORY}/issues/${github.get(d.id)}`, {
        method: 'PATCH',
        headers: { authorization: `token ${fakes.env.GITHUB_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `${d.key} (tracker edit)` }),
      });
      if (!res.ok) throw new Error(`fake GitHub answered ${res.status}`);
      await res.text();
      editedAt.set(d.id, Date.now());
      await sleep(100);
    }
    const q = `SELECT id::text AS id, extract(epoch FROM "updatedAt") * 1000 AS at FROM "Defect" WHERE id = ANY($1::uuid[]) AND title LIKE '%(tracker edit)'`;
    const ids = [...editedAt.keys()];
    await until('the tracker edits pulled', async () => (await rows(q, [ids])).length >= ids.length, 120_000);
    return (await rows(q, [ids])).map((r) => Number(r.at) - editedAt.get(r.id as string)! - DEBOUNCE_MS);
  }

  const quiet = { out: await outbound(made.slice(0, SAMPLES)), in: await inbound(made.slice(SAMPLES, SAMPLES * 2)) };

  // The same under load: new defects streaming in (each one ticket per tracker) while measuring.
  let loadDone = false;
  const load = pool(LOAD_DEFECTS, 16, async (i) => {
    await api(base, 'POST', '/api/defects', { title: `load ${i}`, severity: 'medium' });
  }).then(() => (loadDone = true));
  await sleep(1000);
  const busy = { out: await outbound(made.slice(SAMPLES * 2, SAMPLES * 3)), in: await inbound(made.slice(SAMPLES * 3, SAMPLES * 4)) };
  const overlapped = !loadDone;
  await load;

  const fmt = (v: number[]) => {
    const p = percentiles(v);
    return `p50 ${p.p50.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms, max ${p.max.toFixed(0)} ms (n ${p.n})`;
  };
  console.log(`bench:latency  ${await machine()}`);
  console.log(`  SYNC_DEBOUNCE_MS=${DEBOUNCE_MS} (default; subtracted: the floor), ${SAMPLES} edits per path, one every 100 ms`);
  console.log(`  defect change → tracker updated (3 trackers)   low load: ${fmt(quiet.out)}`);
  console.log(`                                                 under load: ${fmt(busy.out)}`);
  console.log(`    slowest links: low load ${slowest[0]}; under load ${slowest[1]}`);
  console.log(`  tracker change → defect updated (GitHub webhook) low load: ${fmt(quiet.in)}`);
  console.log(`                                                 under load: ${fmt(busy.in)}`);
  console.log(`  load: ${LOAD_DEFECTS} new defects from 16 clients${overlapped ? ', still arriving when the measurements ended' : ', done before the measurements ended (raise BENCH_LOAD_DEFECTS)'}`);
  const p = (v: number[]) => percentiles(v);
  console.log(
    `SUMMARY latency (after the debounce): outbound p50/p99 ${p(quiet.out).p50.toFixed(0)}/${p(quiet.out).p99.toFixed(0)} ms quiet, ${p(busy.out).p50.toFixed(0)}/${p(busy.out).p99.toFixed(0)} ms loaded; ` +
      `inbound ${p(quiet.in).p50.toFixed(0)}/${p(quiet.in).p99.toFixed(0)} ms quiet, ${p(busy.in).p50.toFixed(0)}/${p(busy.in).p99.toFixed(0)} ms loaded`,
  );
} finally {
  await db.end().catch(() => undefined);
  await service?.stop();
  await fakes.stop();
  await deployment.cleanup();
}
