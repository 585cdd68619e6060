// Gives the run a database and a queue prefix of its own, migrated with the real migration path,
// and removes both afterwards: the suite can run twice in a row, or beside a running service.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/migrate.ts';
import { deleteRedisPrefix } from '../../src/outbox/queues.ts';
import { createLogger } from '../../src/logger.ts';

const PG_SERVER = process.env.TEST_PG_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    queuePrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const id = randomBytes(4).toString('hex');
  const database = `defect_sync_test_${id}`;
  const databaseUrl = `${PG_SERVER}/${database}`;
  const queuePrefix = `dstest-${id}`;
  await migrate(databaseUrl, createLogger('warn', 'test-setup'));
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', REDIS_URL);
  project.provide('queuePrefix', queuePrefix);

  return async () => {
    const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
    await admin.end();
    await deleteRedisPrefix({ redisUrl: REDIS_URL }, queuePrefix);
  };
}
