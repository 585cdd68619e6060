// Failure triage's cost on the ingestion path: `npm run bench:triage`. 10,000 case runs (BENCH_RUNS) of
// 2,000 test cases in five launches, 30 % failing with 500 signatures (BENCH_SIGNATURES), 100 of which
// already have a defect, POSTed to /api/case-runs by 16 clients; the service (`node src/main.ts all`) runs
// in a child process, once with triage off (no project opted in: signatures are still computed and linked)
// and once with the project opted in (2 of 3, the storm breaker, candidates judged by the worker's pass).
// Prints runs/s and service CPU per run beside the floor: the same runs inserted straight into CaseRun, one
// INSERT each over pg at the same concurrency. Asserts nothing.
import pg from 'pg';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { benchDeployment, startServiceProcess } from './lib/service.ts';
import { api, machine, pool, vsFloor } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const SIGNATURES = Number(process.env.BENCH_SIGNATURES ?? 500);
const TEST_CASES = 2000;
const CLIENTS = 16;
const PROJECT = 'bench';

/** A letters-only name for signature k: digits would be masked, and every k must be its own signature. */
const word = (k: number) => [...k.toString(26)].map((d) => String.fromCharCode(103 + parseInt(d, 26) % 20)).join('') + 'q'.repeat(1 + (k % 3));
const failing = (i: number) => (i * 7919) % 10 < 3;
function run(i: number) {
  const tc = i % TEST_CASES;
  const fails = failing(i);
  return {
    launch: `nightly-${Math.floor(i / TEST_CASES)}`,
    project: PROJECT,
    testCase: `suite ${Math.floor(tc / 20)} › case ${tc}`,
    status: fails ? 'failed' : 'passed',
    ...(fails && { message: `Error: ${word(tc % SIGNATURES)} failed after ${i} ms\n    at step (/srv/bench/${word(tc % SIGNATURES)}.ts:${i}:3)` }),
  };
}

function configFile(triage: boolean): string {
  const path = join(mkdtempSync(join(tmpdir(), 'defect-sync-bench-triage-')), 'sync.yaml');
  writeFileSync(path, stringify(triage ? { triage: { projects: { [PROJECT]: { afterFailures: 2, ofRuns: 3, stormThreshold: SIGNATURES * 2, settleMs: 2000 } } } } : {}));
  return path;
}

async function measure(triage: boolean) {
  const deployment = benchDeployment(triage ? 'triage-on' : 'triage-off');
  const service = await startServiceProcess('all', { ...deployment.env, SYNC_CONFIG: configFile(triage), SYNC_POLL_MS: '0' });
  try {
    // 100 signatures with a defect already: their failures are linked by signature.
    for (let k = 0; k < Math.min(100, SIGNATURES); k++) {
      const seed = await api(service.base, 'POST', '/api/case-runs', { ...run(0), launch: 'seed', testCase: `seed ${k}`, status: 'failed', message: `Error: ${word(k)} failed after 1 ms\n    at step (/srv/bench/${word(k)}.ts:1:3)` });
      await api(service.base, 'POST', `/api/case-runs/${seed.id}/defect`);
    }
    const cpu0 = service.cpuMs();
    const t0 = performance.now();
    let linked = 0;
    await pool(RUNS, CLIENTS, async (i) => {
      const answer = await api(service.base, 'POST', '/api/case-runs', run(i));
      if (answer.triage?.defect) linked++;
    });
    const seconds = (performance.now() - t0) / 1000;
    return { runsPerSecond: RUNS / seconds, cpuMsPerRun: (service.cpuMs() - cpu0) / RUNS, linked };
  } finally {
    await service.stop();
    await deployment.cleanup();
  }
}

/** The floor: the same rows inserted straight into CaseRun (schema from a migrated database), one statement each. */
async function floor() {
  const deployment = benchDeployment('triage-floor');
  const migrate = await startServiceProcess('migrate', deployment.env);
  await migrate.exited;
  const db = new pg.Pool({ connectionString: deployment.databaseUrl, max: CLIENTS });
  try {
    const t0 = performance.now();
    await pool(RUNS, CLIENTS, async (i) => {
      const r = run(i);
      await db.query('INSERT INTO "CaseRun" (id, launch, "testCase", status, message, project, "ranAt") VALUES ($1, $2, $3, $4, $5, $6, now())', [randomUUID(), r.launch, r.testCase, r.status, r.message ?? null, r.project]);
    });
    return { runsPerSecond: RUNS / ((performance.now() - t0) / 1000) };
  } finally {
    await db.end();
    await deployment.cleanup();
  }
}

const base = await floor();
const off = await measure(false);
const on = await measure(true);
console.log(`bench:triage  ${await machine()}`);
console.log(`  ${RUNS} runs, ${TEST_CASES} test cases, ${SIGNATURES} signatures (100 with a defect), ${CLIENTS} clients`);
console.log(`  triage off: runs/s ${vsFloor(off.runsPerSecond, base.runsPerSecond, 0)}, ${off.cpuMsPerRun.toFixed(2)} ms service CPU/run, ${off.linked} linked`);
console.log(`  triage on:  runs/s ${vsFloor(on.runsPerSecond, base.runsPerSecond, 0)}, ${on.cpuMsPerRun.toFixed(2)} ms service CPU/run, ${on.linked} linked`);
console.log(`SUMMARY triage: on ${on.runsPerSecond.toFixed(0)} runs/s, off ${off.runsPerSecond.toFixed(0)} runs/s (on/off ${(on.runsPerSecond / off.runsPerSecond).toFixed(2)}), floor ${base.runsPerSecond.toFixed(0)} runs/s`);
