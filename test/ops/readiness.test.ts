// /healthz and /readyz: open, fast, and honest about which dependency is down, never about its credentials.
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createPrisma } from '../../src/db.ts';
import { createOps } from '../../src/ops/ops.ts';
import { wireRedis } from '../../src/outbox/wiring.ts';
import { scrubCredentials } from '../../src/ops/readiness.ts';
import { databaseUrl, queuePrefix, redisUrl } from '../helpers/context.ts';

/** An app whose checks point where we say; nothing listens on port 1, so connections are refused at once. */
function appWith(urls: { database: string; redis: string }) {
  const prisma = createPrisma(urls.database);
  const redis = wireRedis({ redisUrl: urls.redis, queuePrefix, connections: ['github'], log: createLogger('silent') });
  const ops = createOps({ prisma, redis, connections: [{ connection: 'github', kind: 'github' }] });
  afterAll(async () => {
    await ops.close();
    await redis.close();
    await prisma.$disconnect();
  });
  // API_TOKEN set: /readyz must stay open all the same, like /healthz.
  const app = createApp({ prisma, log: createLogger('silent'), ops, apiTokens: ['an-api-token-0123456789'], adminToken: ADMIN });
  return Object.assign(request(app), { outside: listenOutside(app) });
}

/**
 * A caller that is not on loopback, without sending traffic anywhere: the app on a Unix domain socket,
 * whose peers have no IP address (as in test/api/auth.test.ts).
 */
function listenOutside(app: ReturnType<typeof createApp>) {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'ds-ready-')), 'ops.sock');
  const server = app.listen(socketPath);
  afterAll(() => new Promise((r) => server.close(r)));
  return (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string; body: any }>((resolve, reject) => {
      const req = httpRequest({ socketPath, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, text, body: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end();
    });
}

const ADMIN = 'admin-token-for-readiness-tests';

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

describe('GET /readyz for callers who are neither on this machine nor the admin (review #26)', () => {
  it('says only which dependency is ready, never the driver text with its host and port', async () => {
    const res = await noDatabase.outside('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ ready: false, checks: { database: { ok: false }, redis: { ok: true } } });
    expect(res.text).not.toMatch(/127\.0\.0\.1|:1\b|reach/);
    const redisDown = await noRedis.outside('/readyz');
    expect(redisDown.body).toEqual({ ready: false, checks: { database: { ok: true }, redis: { ok: false } } });
    expect((await healthy.outside('/readyz')).body).toEqual({ ready: true, checks: { database: { ok: true }, redis: { ok: true } } });
  });

  it('keeps the details for the admin (bearer ADMIN_TOKEN) wherever it calls from', async () => {
    const res = await noDatabase.outside('/readyz', { authorization: `Bearer ${ADMIN}` });
    expect(res.status).toBe(503);
    expect(res.body.checks.database).toEqual({ ok: false, ms: expect.any(Number), error: "Can't reach database server at 127.0.0.1:1" });
    const wrong = await noDatabase.outside('/readyz', { authorization: 'Bearer not-the-admin-token-at-all' });
    expect(wrong.body.checks.database).toEqual({ ok: false });
  });

  it('keeps them for a loopback caller only under one of our host names (not through a rebinding Host)', async () => {
    const rebound = await noDatabase.get('/readyz').set('host', 'rebind.attacker.example:3000');
    expect(rebound.status).toBe(503);
    expect(rebound.body.checks.database).toEqual({ ok: false });
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
