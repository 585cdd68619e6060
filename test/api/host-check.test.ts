// DNS rebinding (security review F4): without API_TOKEN the API trusts loopback connections, so a page on
// http://rebind.attacker.example:3000 whose name re-resolves to 127.0.0.1 would be "local". The Host the
// browser sends names the attacker's host, though: only loopback names, PUBLIC_URL's host and ALLOWED_HOSTS
// are answered, and a request from a page of another origin is refused even when it has no body.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { databaseUrl } from '../helpers/context.ts';
import { createPrisma } from '../../src/db.ts';

const prisma = createPrisma(databaseUrl);
afterAll(() => prisma.$disconnect());
const TOKEN = 'host-check-token-0123456789';
const log = createLogger('silent');
const local = request(createApp({ prisma, log, publicUrl: 'https://defects.example.com', allowedHosts: ['qa-box.internal', '10.0.3.7'] }));
const withToken = request(createApp({ prisma, log, apiTokens: [TOKEN] }));
const REBIND = 'rebind.attacker.example:3000';

describe('without API_TOKEN: the Host must be one of ours', () => {
  it('refuses a rebinding Host on GET with 421 in the error shape, naming the Host and the settings', async () => {
    const res = await local.get('/api/defects?limit=1').set('host', REBIND).set('origin', `http://${REBIND}`);
    expect(res.status).toBe(421);
    expect(res.body).toEqual({ error: { code: 'misdirected_request', message: expect.stringContaining('rebind.attacker.example') } });
    expect(res.body.error.message).toMatch(/ALLOWED_HOSTS/);
  });

  it('refuses a rebinding Host on POST and stores nothing', async () => {
    const before = await prisma.defect.count();
    const res = await local
      .post('/api/defects')
      .set('host', REBIND)
      .set('origin', `http://${REBIND}`)
      .send({ title: 'created through a rebinding Host' });
    expect(res.status).toBe(421);
    expect(res.body.error.code).toBe('misdirected_request');
    expect(await prisma.defect.count()).toBe(before);
  });

  it.each([
    'localhost',
    'localhost:3000',
    'LocalHost:3000',
    'localhost.:3000',
    'app.localhost:3000',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.8.9.10:3000',
    '[::1]',
    '[::1]:3000',
    'defects.example.com', // PUBLIC_URL's host
    'defects.example.com:8443',
    'qa-box.internal:3000', // ALLOWED_HOSTS
    '10.0.3.7:3000',
  ])('answers Host: %s', async (host) => {
    const res = await local.get('/api/defects?limit=1').set('host', host);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it.each([
    'evil.example',
    'localhost.evil.example',
    '127.0.0.1.evil.example',
    'qa-box.internal.evil.example',
    'defects.example.com.evil.example',
    '10.0.3.8',
    '[::2]:3000',
    '0.0.0.0:3000',
    '2130706433:3000', // 127.0.0.1 as one number: a browser would have sent the dotted form
    'user@localhost:3000',
    'localhost:3000/x',
    '',
  ])('refuses Host: %j', async (host) => {
    const res = await local.get('/api/defects?limit=1').set('host', host);
    expect(res.status).toBe(421);
  });

  it('refuses a bodyless POST from a page of another origin (403), and lets our own origin through', async () => {
    const path = `/api/case-runs/${randomUUID()}/defect`;
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1', 'https://defects.example.com.evil.example']) {
      const res = await local.post(path).set('origin', origin);
      expect(res.status, origin).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('origin') });
    }
    // An Origin naming the request's (allowed) Host, PUBLIC_URL's origin, and no Origin at all (curl): through
    // to the route, which does not know the case run.
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000']) {
      expect((await local.post(path).set('host', host).set('origin', `http://${host}`)).status, host).toBe(404);
    }
    // The same name on another port is another origin (another local app), refused.
    expect((await local.post(path).set('host', 'localhost:3000').set('origin', 'http://localhost:5173')).status).toBe(403);
    expect((await local.post(path).set('origin', 'https://defects.example.com')).status).toBe(404);
    expect((await local.post(path).set('host', 'qa-box.internal:3000').set('origin', 'http://qa-box.internal:3000')).status).toBe(404);
    expect((await local.post(path)).status).toBe(404);
  });

  it('leaves /healthz and /readyz open to probes by IP (Kubernetes probes send the pod IP as Host)', async () => {
    expect((await local.get('/healthz').set('host', '10.1.2.3:3000')).status).toBe(200);
    expect((await local.get('/healthz').set('host', REBIND)).status).toBe(200);
    expect((await local.get('/readyz').set('host', '10.1.2.3:3000')).status).toBe(200);
  });

  it('applies the same rule to /metrics while METRICS_TOKEN is unset', async () => {
    expect((await local.get('/metrics').set('host', REBIND)).status).toBe(421);
    expect((await local.get('/metrics')).status).toBe(200);
  });
});

describe('with API_TOKEN set: the token is the door, any Host (a proxy forwards its own name)', () => {
  it('answers a request with the token whatever its Host', async () => {
    const res = await withToken.get('/api/defects?limit=1').set('host', 'defects.behind-a-proxy.example').set('authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
  });

  it('still refuses one without the token (401)', async () => {
    expect((await withToken.get('/api/defects?limit=1').set('host', 'localhost:3000')).status).toBe(401);
  });
});
