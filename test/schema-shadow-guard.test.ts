// The offline schema engine wipes a configured shadow database before and after use. It must refuse
// when the "shadow" is the main database under another name (localhost vs 127.0.0.1, say).
import { mkdir, mkdtemp, cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrisma } from '../scripts/prisma-cli.ts';
import { databaseUrl, unique } from './helpers/context.ts';

const server = new URL(databaseUrl);
const database = unique('guard').replaceAll('-', '_');
const at = (host: string, db = database) => `postgresql://${server.username}@${host}:${server.port || 5432}/${db}`;
const admin = () => new pg.Client({ connectionString: at(server.hostname, 'postgres') });
let dir: string;

beforeAll(async () => {
  const c = admin();
  await c.connect();
  await c.query(`CREATE DATABASE ${database}`);
  await c.query(`CREATE DATABASE ${database}_shadow`);
  await c.end();
  const db = new pg.Client({ connectionString: at(server.hostname) });
  await db.connect();
  await db.query('CREATE TABLE precious (id int); INSERT INTO precious VALUES (1)');
  await db.end();
  // A project whose prisma.config.ts names a shadow database, inside the checkout so 'prisma/config' resolves.
  await mkdir('.cache', { recursive: true });
  dir = await mkdtemp(join('.cache', 'shadow-guard-'));
  await cp('prisma', join(dir, 'prisma'), { recursive: true });
  await writeFile(
    join(dir, 'prisma.config.ts'),
    `import { defineConfig } from 'prisma/config';
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL!, shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL! },
});
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  const c = admin();
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await c.query(`DROP DATABASE IF EXISTS ${database}_shadow WITH (FORCE)`);
  await c.end();
});

const shadowRun = (main: string, shadow: string) =>
  runPrisma(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'], {
    cwd: dir,
    env: { DATABASE_URL: main, SHADOW_DATABASE_URL: shadow },
  });

describe('the schema engine shim with a configured shadow database', () => {
  it('refuses a shadow URL that reaches the main database under another host name', async () => {
    const result = await shadowRun(at('127.0.0.1'), at('localhost'));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('refusing to wipe it');
    const db = new pg.Client({ connectionString: at(server.hostname) });
    await db.connect();
    try {
      expect((await db.query('SELECT count(*)::int AS n FROM precious')).rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('uses a shadow database that is really another one', async () => {
    const result = await shadowRun(at('127.0.0.1'), at('localhost', `${database}_shadow`));
    expect(result.stdout, result.stderr).toContain('No difference detected');
    expect(result.code).toBe(0);
  });
});
