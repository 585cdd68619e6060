// Authentication of /api: bearer tokens when API_TOKEN is set, loopback clients only when it is not.
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { isLoopback } from '../../src/http/auth.ts';
import { databaseUrl } from '../helpers/context.ts';
import { createPrisma } from '../../src/db.ts';

const prisma = createPrisma(databaseUrl);
afterAll(() => prisma.$disconnect());
const TOKENS = ['first-token-0123456789', 'second-token-0123456789'];
const withTokens = request(createApp({ prisma, log: createLogger('silent'), apiTokens: TOKENS }));
const loopbackOnly = request(createApp({ prisma, log: createLogger('silent') }));

describe('isLoopback (the remote address of the socket, never a forwarded header)', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3'])('%s is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });
  it.each(['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '128.0.0.1', '1127.0.0.1', '::ffff:1270.0.0.1', undefined])(
    '%s is not',
    (a) => {
      expect(isLoopback(a)).toBe(false);
    },
  );
});

describe('with API_TOKEN set', () => {
  it.each(TOKENS)('accepts Authorization: Bearer %s (tokens rotate)', async (token) => {
    const res = await withTokens.get('/api/defects').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer first-token-012345678X'],
    ['a prefix of a token', 'Bearer first-token'],
    ['another scheme', `Basic ${TOKENS[0]}`],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 in the error shape for %s, storing nothing', async (_what, header) => {
    const before = await prisma.defect.count();
    let req = withTokens.post('/api/defects').send({ title: 'should not be stored' });
    if (header) req = req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(JSON.stringify(res.body)).not.toContain(TOKENS[0]);
    expect(await prisma.defect.count()).toBe(before);
  });

  it('leaves /healthz open', async () => {
    expect((await withTokens.get('/healthz')).status).toBe(200);
  });
});

/**
 * A client whose socket is not a loopback one, without sending traffic to any other address: the app
 * listens on a Unix domain socket, whose peers have no IP address at all, so only a token can let
 * them in. (Node's fetch cannot use a Unix socket, hence node:http.)
 */
async function listenOutside(apiTokens?: string[]) {
  const app = createApp({ prisma, log: createLogger('silent'), ...(apiTokens && { apiTokens }) });
  const socketPath = join(mkdtempSync(join(tmpdir(), 'ds-auth-')), 'api.sock');
  const server = app.listen(socketPath);
  await new Promise((r) => server.once('listening', r));
  afterAll(() => new Promise((r) => server.close(r)));
  return (path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ status: number; json: () => unknown }>((resolve, reject) => {
      const req = httpRequest({ socketPath, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, json: () => JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
}

describe('without API_TOKEN', () => {
  it('answers loopback clients (supertest connects over 127.0.0.1)', async () => {
    expect((await loopbackOnly.get('/api/defects')).status).toBe(200);
  });

  it('answers a client on another interface 401, telling to set API_TOKEN', async () => {
    const call = await listenOutside();
    const res = await call('/api/defects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"remote"}' });
    expect(res.status).toBe(401);
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toContain('API_TOKEN');
    // A forged forwarding header changes nothing.
    const forged = await call('/api/defects', { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(forged.status).toBe(401);
    expect((await call('/healthz')).status).toBe(200);
  });

  it('with API_TOKEN set, answers a client on another interface that sends a token', async () => {
    const call = await listenOutside(TOKENS);
    expect((await call('/api/defects', { headers: { authorization: `Bearer ${TOKENS[1]}` } })).status).toBe(200);
    expect((await call('/api/defects')).status).toBe(401);
  });
});
