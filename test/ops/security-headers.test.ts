// Security F8: every answer carries X-Content-Type-Options: nosniff (API JSON, errors, webhooks, the
// operations routes, the admin pages and Bull Board, and the worker role's operations port), so no browser
// second-guesses a content type into a script or a page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { createPrisma } from '../../src/db.ts';
import { createOps } from '../../src/ops/ops.ts';
import { opsApp } from '../../src/http/ops-routes.ts';
import { hostPolicy } from '../../src/http/hosts.ts';
import { databaseUrl } from '../helpers/context.ts';
import { createLogger } from '../../src/logger.ts';

const ADMIN = 'admin-token-for-the-header-tests';
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ svc, stop } = await startWithTrackers({ env: { ADMIN_TOKEN: ADMIN, GITHUB_WEBHOOK_SECRET: 'github-webhook-secret-0123456789' }, workers: false }));
});
afterAll(() => stop?.());

describe('X-Content-Type-Options: nosniff', () => {
  it.each([
    ['API JSON', 'get', '/api/defects?limit=1', 200],
    ['an API error', 'get', '/api/defects?limit=x', 400],
    ['an unknown route', 'get', '/nowhere', 404],
    ['malformed JSON', 'post', '/api/defects', 400],
    ['an unsigned webhook', 'post', '/webhooks/github', 401],
    ['/healthz', 'get', '/healthz', 200],
    ['/readyz', 'get', '/readyz', 200],
    ['/metrics', 'get', '/metrics', 200],
    ['/openapi.json', 'get', '/openapi.json', 200],
    ['the admin page', 'get', '/admin', 200],
    ['an admin 401', 'get', '/admin/sync-status', 401],
    ['Bull Board', 'get', '/admin/queues', 401],
  ] as const)('on %s', async (_what, method, path, status) => {
    let req = svc.http[method](path);
    if (path === '/api/defects' && method === 'post') req = req.set('content-type', 'application/json').send('{"title":');
    if (path.startsWith('/webhooks')) req = req.set('content-type', 'application/json').set('x-github-event', 'issues').send('{}');
    const res = await req;
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('on Bull Board pages and assets with the admin token; its page under a CSP and without the outside font stylesheet', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/images/logo.svg']) {
      const res = await svc.http.get(path).set('authorization', `Bearer ${ADMIN}`);
      expect(res.status, path).toBe(200);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
    const page = await svc.http.get('/admin/queues').set('authorization', `Bearer ${ADMIN}`);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(page.text).toContain('static/js/');
    expect(page.text).not.toMatch(/googleapis|https?:\/\//);
  });

  it("on the worker role's operations port", async () => {
    const prisma = createPrisma(databaseUrl);
    try {
      const http = request(opsApp({ ops: createOps({ prisma }), metricsTokens: [], hosts: hostPolicy({}), log: createLogger('silent') }));
      for (const path of ['/healthz', '/readyz', '/metrics', '/nowhere']) {
        const res = await http.get(path);
        expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      }
    } finally {
      await prisma.$disconnect();
    }
  });
});
