// Upgrading to connections (migration 20261202170000): a database of the environment-only days, with links,
// cursors, notices and counts keyed by tracker, comes out keyed by the connections github, jira and asana;
// the environment-only set-up then syncs those links with no create call. And the Connection rows at start:
// adopted, retired, a kind change refused, a new target reported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db.ts';
import { createLogger } from '../../src/logger.ts';
import { loadConfig } from '../../src/config.ts';
import { parseSyncConfig } from '../../src/sync/sync-config.ts';
import { resolveConnections } from '../../src/sync/connections.ts';
import { buildConnectors } from '../../src/sync/connectors.ts';
import { recordConnections } from '../../src/store/connections.ts';
import { SyncEngine } from '../../src/sync/engine.ts';
import { SyncLocks } from '../../src/sync/lock.ts';
import { outboundFields } from '../../src/sync/sync-config.ts';
import { SLOW_RETRY } from '../../src/sync/error-policy.ts';
import { ConfigError } from '../../src/config.ts';
import { createGithubFake } from '../../fakes/github/server.ts';
import { databaseUrl } from '../helpers/context.ts';

const SERVER = databaseUrl.slice(0, databaseUrl.lastIndexOf('/'));
const DB = `${databaseUrl.slice(databaseUrl.lastIndexOf('/') + 1)}_upgrade`;
const URL = `${SERVER}/${DB}`;
const MIGRATIONS = join(import.meta.dirname, '../../prisma/migrations');
const CUT = '20261202170000_connections';

const github = createGithubFake({ token: 'ghp_upgrade', repository: 'acme/app' });
let db: pg.Client;

async function apply(which: (name: string) => boolean): Promise<void> {
  for (const dir of readdirSync(MIGRATIONS).filter((d) => /^\d{14}_/.test(d)).sort().filter(which)) {
    await db.query(readFileSync(join(MIGRATIONS, dir, 'migration.sql'), 'utf8'));
  }
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(DB)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(DB)}`);
  await admin.end();
  db = new pg.Client({ connectionString: URL });
  await db.connect();
  await github.tracker.start();
});
afterAll(async () => {
  await db?.end();
  await github.tracker.stop();
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(DB)} WITH (FORCE)`);
  await admin.end();
});

describe('the upgrade from tracker keys to connections', () => {
  it('keys every row by the connection named after its tracker, and the old links sync with no create call', async () => {
    await apply((name) => name < CUT);
    // The environment-only days: one defect with a GitHub issue and a Jira link, a cursor, a notice.
    const issue = github.createByHand({ title: 'Old defect', body: 'steps' });
    const [{ id }] = (await db.query(`INSERT INTO "Defect" (id, title, "updatedAt") VALUES (gen_random_uuid(), 'Old defect', now()) RETURNING id::text`)).rows;
    // Links last touched a day ago: the upgrade must not make them look touched now.
    await db.query(`SELECT set_config('defect_sync.given_updated_at', 'on', false)`);
    await db.query(
      `INSERT INTO "TrackerLink" (id, "defectId", tracker, "remoteId", key, url, "syncState", snapshot, "syncedVersion", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'github', $2, $3, $4, 'synced', $5, 0, now() - interval '1 day'), (gen_random_uuid(), $1, 'jira', '10001', 'QA-1', 'https://x/QA-1', 'synced', NULL, 1, now() - interval '1 day')`,
      [id, String(issue['number']), `acme/app#${issue['number']}`, issue['html_url'], JSON.stringify({ fields: { title: 'Old defect', description: 'steps', severity: 'medium', status: 'open', assignee: null }, contextDigest: '' })],
    );
    await db.query(`INSERT INTO "PollCursor" (tracker, cursor) VALUES ('github', now())`);
    await db.query(`INSERT INTO "InboundEvent" (tracker, "deliveryId", event, "remoteIds", source) VALUES ('jira', 'd-1', 'jira:issue_updated', ARRAY['10001'], 'webhook')`);

    await db.query(`SELECT set_config('defect_sync.given_updated_at', '', false)`);
    await apply((name) => name >= CUT);
    const ages = (await db.query(`SELECT extract(epoch FROM now() - "updatedAt")::int AS age FROM "TrackerLink"`)).rows.map((r) => r.age as number);
    expect(ages.every((a) => a >= 86_000), `link ages after the upgrade: ${ages.join(', ')} s`).toBe(true);
    const links = (await db.query(`SELECT connection, tracker::text AS tracker, "syncState"::text AS state FROM "TrackerLink" ORDER BY connection`)).rows;
    expect(links).toEqual([
      { connection: 'github', tracker: 'github', state: 'synced' },
      { connection: 'jira', tracker: 'jira', state: 'synced' },
    ]);
    expect((await db.query(`SELECT connection FROM "PollCursor"`)).rows).toEqual([{ connection: 'github' }]);
    expect((await db.query(`SELECT connection, "deliveryId" FROM "InboundEvent"`)).rows).toEqual([{ connection: 'jira', deliveryId: 'd-1' }]);
    expect((await db.query(`SELECT connection, "syncState"::text AS state, n FROM "LinkStateCount" ORDER BY 1`)).rows).toEqual([
      { connection: 'github', state: 'synced', n: 1 },
      { connection: 'jira', state: 'synced', n: 1 },
    ]);

    // The same environment as before starts: the github connection adopts the repository and its link syncs.
    const prisma = createPrisma(URL);
    const locks = new SyncLocks(URL, 2);
    try {
      const config = loadConfig({ GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/app', GITHUB_API_URL: github.tracker.baseUrl });
      const sync = parseSyncConfig('{}');
      const connections = resolveConnections(config, sync);
      // First, a file that renames the environment's connection before it ever adopted its repository.
      const renamedFirst = resolveConnections(loadConfig({}), parseSyncConfig(`connections:\n  shop-github: { kind: github, repository: acme/app, apiUrl: "${github.tracker.baseUrl}", token: x }\n`));
      await expect(recordConnections(prisma, renamedFirst)).rejects.toThrow(/connection shop-github: is new, and the 1 live github links of the environment-only set-up \(connection github\) were never adopted/);
      expect(await recordConnections(prisma, connections)).toEqual({ adopted: ['github'], retired: ['jira', 'asana'], retargeted: [] });
      const connectors = await buildConnectors(connections, sync, 5000);
      const engine = new SyncEngine({
        prisma,
        connectors,
        outbound: outboundFields(sync),
        directions: sync.fields,
        locks,
        publicUrl: 'http://localhost:3000',
        log: createLogger('silent'),
        retry: { jobAttempts: 1, slow: SLOW_RETRY },
      });
      expect(await engine.sync('github', id)).toBe('updated'); // the footer is written; the title and body were in step
      expect(github.tracker.count('ticket.create')).toBe(0);
      expect((await prisma.connection.findMany({ orderBy: { name: 'asc' } })).map((c) => [c.name, c.status, c.targetKey])).toEqual([
        ['asana', 'retired', ''],
        ['github', 'active', `${github.tracker.baseUrl.toLowerCase()}/repos/acme/app`],
        ['jira', 'retired', ''],
      ]);

      // A kind change under one name stops the start; a new target for a name with links is reported.
      const asGitlab = resolveConnections(loadConfig({}), parseSyncConfig('connections:\n  jira: { kind: github, repository: a/b, token: x }\n'));
      await expect(recordConnections(prisma, asGitlab)).rejects.toThrow(ConfigError);
      await expect(recordConnections(prisma, asGitlab)).rejects.toThrow('connection jira: was a jira connection and is now github; give the new one another name');
      // Another repository under the same name: issue #1 there is another issue. Refused, unless confirmed.
      const renamed = resolveConnections(loadConfig({ GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/renamed', GITHUB_API_URL: github.tracker.baseUrl }), sync);
      await expect(recordConnections(prisma, renamed)).rejects.toThrow(/^Invalid configuration:\n {2}- connection github: its 1 live links are in .*\/repos\/acme\/app and it now points at .*\/repos\/acme\/renamed, .*npm run retarget -- github/);
      expect((await recordConnections(prisma, renamed, { retarget: ['github'] })).retargeted).toEqual(['github']);
      expect((await prisma.connection.findUniqueOrThrow({ where: { name: 'github' } })).targetKey).toMatch(/\/repos\/acme\/renamed$/);
      // The same repository under a new name in the file: its defects would get second tickets. Refused.
      const asShop = resolveConnections(loadConfig({}), parseSyncConfig(`connections:\n  shop-github: { kind: github, repository: acme/renamed, apiUrl: "${github.tracker.baseUrl}", token: x }\n`));
      await expect(recordConnections(prisma, asShop)).rejects.toThrow(/connection shop-github: points at .*\/repos\/acme\/renamed, where connection github \(active\) has 1 live links; name it github to keep them/);
      expect(await prisma.connection.count({ where: { name: 'shop-github' } })).toBe(0);
    } finally {
      await locks.close();
      await prisma.$disconnect();
    }
  });
});
