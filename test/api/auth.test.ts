// Authentication of /api: bearer tokens when API_TOKEN is set, loopback clients only when it is not.
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
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

/** A local address that is not loopback, so a socket between the test and the app is not a loopback one. */
function outsideAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4');
  if (!found) throw new Error('this test needs a non-loopback IPv4 interface; isLoopback is covered above');
  return found.address;
}

async function listenOutside(apiTokens?: string[]) {
  const app = createApp({ prisma, log: createLogger('silent'), ...(apiTokens && { apiTokens }) });
  const host = outsideAddress();
  const server = app.listen(0, host);
  await new Promise((r) => server.once('listening', r));
  afterAll(() => new Promise((r) => server.close(r)));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

describe('without API_TOKEN', () => {
  it('answers loopback clients (supertest connects over 127.0.0.1)', async () => {
    expect((await loopbackOnly.get('/api/defects')).status).toBe(200);
  });

  it('answers a client on another interface 401, telling to set API_TOKEN', async () => {
    const base = await listenOutside();
    const res = await fetch(`${base}/api/defects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"remote"}' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toContain('API_TOKEN');
    // A forged forwarding header changes nothing.
    const forged = await fetch(`${base}/api/defects`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(forged.status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('with API_TOKEN set, answers a client on another interface that sends a token', async () => {
    const base = await listenOutside(TOKENS);
    expect((await fetch(`${base}/api/defects`, { headers: { authorization: `Bearer ${TOKENS[1]}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/defects`)).status).toBe(401);
  });
});
