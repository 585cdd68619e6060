// Review #27: the reconciler (every minute, in every worker) and the verification loop's latest-run lookup
// must not read whole tables. At 100k links, defects and case runs, EXPLAIN shows no sequential scan of
// those tables in the statements they run. The rows live in a transaction that is rolled back (ANALYZE
// too), so no other test sees them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../helpers/context.ts';
import { reconcileQueries } from '../../src/sync/reconcile.ts';
import { latestRunsQuery } from '../../src/store/case-run-links.ts';
import type { Prisma } from '../../src/db.ts';
import { statusSql } from '../../src/admin/sync-status.ts';
import { claimBatchSql } from '../../src/outbox/relay.ts';

const N = 100_000;
const BIG = ['TrackerLink', 'Defect', 'CaseRun', 'DefectCaseRun'];
const client = new pg.Client({ connectionString: databaseUrl });
let someDefect = '';
let midKey: { defectId: string; connection: string } = { defectId: '', connection: '' };

beforeAll(async () => {
  await client.connect();
  await client.query('BEGIN');
  // The rows state their own updatedAt (stale links), which the database's stamp would replace otherwise.
  await client.query(`SELECT set_config('defect_sync.given_updated_at', 'on', true)`);
  // Negative numbers: the defect key sequence is not touched (sequences do not roll back).
  await client.query(`
    INSERT INTO "Defect" (id, number, title, status, version, "updatedAt")
    SELECT gen_random_uuid(), -g, 'scale ' || g, CASE WHEN g % 10 = 0 THEN 'resolved' ELSE 'open' END::"DefectStatus", 2, now() - interval '1 hour'
    FROM generate_series(1, ${N}) g`);
  // One link per defect; nearly all in step, a few unfinished, a few due for a retry, a few behind their defect.
  await client.query(`
    INSERT INTO "TrackerLink" (id, "defectId", connection, tracker, "remoteId", "syncState", "syncedVersion", "lastSyncedAt", "nextAttemptAt", "updatedAt")
    SELECT gen_random_uuid(), d.id, (ARRAY['github','jira','asana'])[1 + (-d.number) % 3], (ARRAY['github','jira','asana'])[1 + (-d.number) % 3]::"TrackerKind", 'scale-' || (-d.number)::text,
           CASE WHEN -d.number % 1000 = 1 THEN 'pending' WHEN -d.number % 1000 = 2 THEN 'retrying' ELSE 'synced' END::"SyncState",
           CASE WHEN -d.number % 1000 = 3 THEN 1 ELSE 2 END,
           now() - interval '1 hour',
           CASE WHEN -d.number % 1000 = 4 THEN now() - interval '1 minute' END,
           now() - interval '1 hour'
    FROM "Defect" d WHERE d.number < 0`);
  // 100k runs of 1,000 test cases; each defect linked to one run.
  await client.query(`
    INSERT INTO "CaseRun" (id, launch, "testCase", status, "ranAt")
    SELECT gen_random_uuid(), 'nightly', 'scale case ' || (g % 1000), CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'passed' END::"CaseRunStatus", now() - make_interval(secs => g)
    FROM generate_series(1, ${N}) g`);
  await client.query(`
    INSERT INTO "DefectCaseRun" ("defectId", "caseRunId")
    SELECT d.id, r.id FROM (SELECT id, row_number() OVER () AS i FROM "Defect" WHERE number < 0) d
    JOIN (SELECT id, row_number() OVER () AS i FROM "CaseRun" WHERE launch = 'nightly' AND "testCase" LIKE 'scale case %') r ON r.i = d.i`);
  await client.query('ANALYZE "Defect", "TrackerLink", "CaseRun", "DefectCaseRun"');
  someDefect = (await client.query(`SELECT id FROM "Defect" WHERE number = -4242`)).rows[0].id;
  midKey = (await client.query(`SELECT "defectId"::text AS "defectId", connection FROM "TrackerLink" ORDER BY "defectId", connection OFFSET ${N / 2} LIMIT 1`)).rows[0];
}, 120_000);
afterAll(async () => {
  await client.query('ROLLBACK').catch(() => undefined);
  await client.end();
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
};

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/** Rows of `table` the statement actually read (returned by its scans, or read and filtered away). */
async function rowsRead(sql: Prisma.Sql, table: string): Promise<number> {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`, sql.values);
  return nodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan)
    .filter((n) => n['Relation Name'] === table)
    .reduce((sum, n) => sum + ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1), 0);
}

async function seqScans(sql: Prisma.Sql): Promise<string[]> {
  const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
  const found: string[] = [];
  const walk = (n: PlanNode) => {
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] && BIG.includes(n['Relation Name'])) found.push(n['Relation Name']);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  return found;
}

describe(`at ${N.toLocaleString('en')} rows`, () => {
  it('the reconciler scans no big table sequentially', async () => {
    // From the start of the table and from a cursor in the middle.
    for (const from of [null, midKey]) {
      const queries = reconcileQueries(['github', 'jira', 'asana'], 30, from);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) expect(await seqScans(q), q.text).toEqual([]);
    }
    if (process.env.SHOW_PLANS) {
      for (const q of reconcileQueries(['github', 'jira', 'asana'], 30, midKey)) {
        console.log((await client.query(`EXPLAIN ${q.text}`, q.values)).rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
    }
  });

  it('the sync status of 50 connections and the relay routing a batch read by index', async () => {
    // The three connections the rows use, and 47 more a large deployment would have.
    const fifty = ['github', 'jira', 'asana', ...Array.from({ length: 47 }, (_, i) => `team-${i}-github`)];
    for (const q of [statusSql.perConnection(fifty), statusSql.newestFailures(fifty), claimBatchSql(200)]) expect(await seqScans(q), q.text).toEqual([]);
  });

  it("the verification loop's latest run per test case reads by index, one run per test case", async () => {
    expect(await seqScans(latestRunsQuery(someDefect))).toEqual([]);
    // The defect is linked to one run; its test case has 100. Reading that run and the latest one is all it takes.
    expect(await rowsRead(latestRunsQuery(someDefect), 'CaseRun')).toBeLessThanOrEqual(2);
  });
});
