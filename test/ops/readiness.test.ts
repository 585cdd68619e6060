// /healthz and /readyz: open, fast, and honest about which dependency is down, never about its credentials.
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createPrisma } from '../../src/db.ts';
import { createOps } from '../../src/ops/ops.ts';
import { scrubCredentials } from '../../src/ops/readiness.ts';
import { databaseUrl, queuePrefix, redisUrl } from '../helpers/context.ts';

/** An app whose checks point where we say; nothing listens on port 1, so connections are refused at once. */
function appWith(urls: { database: string; redis: string }) {
  const prisma = createPrisma(urls.database);
  const ops = createOps({ prisma, redisUrl: urls.redis, queuePrefix, trackers: ['github'] });
  afterAll(async () => {
    await ops.close();
    await prisma.$disconnect();
  });
  // API_TOKEN set: /readyz must stay open all the same, like /healthz.
  return request(createApp({ prisma, log: createLogger('silent'), ops, apiTokens: ['an-api-token-0123456789'] }));
}

const healthy = appWith({ database: databaseUrl, redis: redisUrl });
const SECRET = 'pw-that-must-not-leak';
const noDatabase = appWith({ database: `postgresql://postgres:${SECRET}@127.0.0.1:1/defect_sync`, redis: redisUrl });
const noRedis = appWith({ database: databaseUrl, redis: `redis://default:${SECRET}@127.0.0.1:1` });

describe('GET /healthz', () => {
  it('answers 200 while the process runs, whatever the dependencies do', async () => {
    for (const app of [healthy, noDatabase, noRedis]) {
      const res = await app.get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    }
  });
});

describe('GET /readyz', () => {
  it('answers 200 with each check and its duration when Postgres and Redis answer', async () => {
    const res = await healthy.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      ready: true,
      checks: { database: { ok: true, ms: expect.any(Number) }, redis: { ok: true, ms: expect.any(Number) } },
    });
  });

  it('answers 503 naming the database when Postgres is unreachable, without its password', async () => {
    const started = Date.now();
    const res = await noDatabase.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.ready).toBe(false);
    expect(res.body.checks.redis).toEqual({ ok: true, ms: expect.any(Number) });
    expect(res.body.checks.database).toMatchObject({ ok: false, ms: expect.any(Number) });
    expect(res.body.checks.database.error).toBe("Can't reach database server at 127.0.0.1:1");
    expect(res.text).not.toContain(SECRET);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers 503 naming Redis when Redis is unreachable, within about a second, without its password', async () => {
    const started = Date.now();
    const res = await noRedis.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks.database).toEqual({ ok: true, ms: expect.any(Number) });
    expect(res.body.checks.redis).toEqual({ ok: false, ms: expect.any(Number), error: expect.stringMatching(/ECONNREFUSED|timed out/) });
    expect(res.text).not.toContain(SECRET);
    expect(Date.now() - started).toBeLessThan(3000);
    // And again: a dependency that stays down keeps answering 503, it does not hang the probe.
    expect((await noRedis.get('/readyz')).status).toBe(503);
  });
});

describe('scrubCredentials', () => {
  it.each([
    ['connect to postgresql://u:p4ss@db:5432/x failed', 'connect to postgresql://***@db:5432/x failed'],
    ['redis://default:p4ss@cache:6379 and rediss://:p4ss@c2', 'redis://***@cache:6379 and rediss://***@c2'],
    ['connect ECONNREFUSED 127.0.0.1:1', 'connect ECONNREFUSED 127.0.0.1:1'],
  ])('%s → %s', (message, expected) => {
    expect(scrubCredentials(message)).toBe(expected);
  });
});
