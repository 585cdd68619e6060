// `migrate`: creates the database when it does not exist yet, then applies prisma/migrations with
// Prisma's own migration engine (run offline through scripts/prisma-cli.ts).
import pg from 'pg';
import { runPrisma } from '../scripts/prisma-cli.ts';
import type { Logger } from './logger.ts';

export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // created meanwhile by a concurrent migrate
    });
    return true;
  } finally {
    await admin.end();
  }
}

export async function migrate(databaseUrl: string, log: Logger): Promise<void> {
  if (await ensureDatabase(databaseUrl)) log.info('created the database');
  const result = await runPrisma(['migrate', 'deploy'], { env: { DATABASE_URL: databaseUrl } });
  if (result.code !== 0) {
    throw new Error(`prisma migrate deploy failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
  }
  log.info({ output: result.stdout.trim().split('\n').at(-1) }, 'migrations applied');
}
