// Who gets into /admin: the bearer ADMIN_TOKEN, or a dashboard session cookie; nobody when the token is
// unset (503 saying why). Requests that change something must come from the service's own origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { testApi } from '../helpers/context.ts';

const ADMIN = 'admin-token-for-the-auth-tests';
let svc: Service;
let stop: () => Promise<void>;
let http: ReturnType<typeof request>;

beforeAll(async () => {
  ({ svc, stop } = await startWithTrackers({ env: { ADMIN_TOKEN: ADMIN }, listen: true, workers: false }));
  http = request(svc.url!);
});
afterAll(() => stop?.());

const bearer = { authorization: `Bearer ${ADMIN}` };
const own = () => ({ origin: svc.url! });

async function signIn(): Promise<string> {
  const res = await http.post('/admin/session').set(own()).send({ token: ADMIN });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const cookie = String(res.headers['set-cookie']);
  return cookie.split(';')[0]!;
}

describe('admin authentication', () => {
  it('answers 503 naming ADMIN_TOKEN on every admin address when it is unset', async () => {
    const bare = testApi();
    for (const path of ['/admin', '/admin/sync-status', '/admin/links', '/admin/queues']) {
      const res = await bare.http.get(path).set(bearer);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'admin_disabled' });
      expect(res.body.error.message).toMatch(/ADMIN_TOKEN/);
    }
  });

  it('refuses JSON routes and Bull Board without the token or with a wrong one (401, WWW-Authenticate)', async () => {
    for (const path of ['/admin/sync-status', '/admin/links', '/admin/activity', '/admin/conflicts', '/admin/queues', '/admin/queues/api/queues']) {
      const none = await http.get(path);
      expect(none.status, path).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(none.body.error.code).toBe('unauthorized');
      expect((await http.get(path).set('authorization', 'Bearer wrong-token-wrong-token')).status, path).toBe(401);
      expect((await http.get(path).set('cookie', 'ds_admin=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status, path).toBe(401);
    }
  });

  it('opens them with the bearer token (Bull Board lists the three tracker queues)', async () => {
    expect((await http.get('/admin/sync-status').set(bearer)).status).toBe(200);
    const board = await http.get('/admin/queues/api/queues').set(bearer);
    expect(board.status).toBe(200);
    expect(board.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['sync-asana', 'sync-github', 'sync-jira']);
    const ui = await http.get('/admin/queues').set(bearer);
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/<html/i);
  });

  it('serves the dashboard page and its script to anyone, with the security headers and no inline script', async () => {
    const page = await http.get('/admin');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(page.text).toContain('<script src="/admin/app.js"');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    const js = await http.get('/admin/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('signs in with the token: an HttpOnly, SameSite=Strict, Path=/admin cookie holding a random id, not the token', async () => {
    const res = await http.post('/admin/session').set(own()).send({ token: ADMIN });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^ds_admin=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/admin/);
    expect(cookie).not.toContain(ADMIN);
    expect(cookie).not.toContain(Buffer.from(ADMIN).toString('base64'));
    const again = await signIn();
    expect(again).not.toBe(cookie.split(';')[0]); // a fresh id per sign-in
  });

  it('refuses a wrong token at sign-in (401 naming the field) and a body without it (400)', async () => {
    const wrong = await http.post('/admin/session').set(own()).send({ token: 'not-the-admin-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body.error.message).toMatch(/token/);
    const empty = await http.post('/admin/session').set(own()).send({ tokn: ADMIN });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['token', 'tokn']);
  });

  it('accepts the session cookie on JSON routes and Bull Board, and refuses it after sign-out', async () => {
    const cookie = await signIn();
    expect((await http.get('/admin/sync-status').set('cookie', cookie)).status).toBe(200);
    expect((await http.get('/admin/queues/api/queues').set('cookie', cookie)).status).toBe(200);
    const out = await http.delete('/admin/session').set(own()).set('cookie', cookie);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^ds_admin=; .*Max-Age=0/);
    const after = await http.get('/admin/sync-status').set('cookie', cookie);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/sign in again/);
  });

  it('refuses a POST from another origin, or a cookie POST without Origin (403); bearer clients need none', async () => {
    const cookie = await signIn();
    const body = { state: ['failed'] };
    const foreign = await http.post('/admin/links/retry').set('cookie', cookie).set('origin', 'https://evil.example').send(body);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toMatchObject({ code: 'forbidden' });
    expect((await http.post('/admin/links/retry').set('cookie', cookie).send(body)).status).toBe(403);
    expect((await http.post('/admin/session').set('origin', 'https://evil.example').send({ token: ADMIN })).status).toBe(403);
    expect((await http.post('/admin/session').send({ token: ADMIN })).status).toBe(403);
    expect((await http.post('/admin/links/retry').set(bearer).set('origin', 'https://evil.example').send(body)).status).toBe(403);
    expect((await http.post('/admin/links/retry').set('cookie', cookie).set(own()).send(body)).status).toBe(202);
    expect((await http.post('/admin/links/retry').set(bearer).send(body)).status).toBe(202);
  });

  it('never takes "our own origin" from the Host: Host evil.example with Origin http://evil.example is refused (403)', async () => {
    // DNS rebinding (security F4): a page on evil.example whose name now resolves to us sends both. The
    // cookie would not come with it (it belongs to our host), so this is defence in depth.
    const cookie = await signIn();
    const body = { state: ['failed'] };
    for (const auth of [{ cookie }, bearer]) {
      const res = await http.post('/admin/links/retry').set(auth).set('host', 'evil.example').set('origin', 'http://evil.example').send(body);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('http://evil.example') });
    }
    const port = new URL(svc.url!).port;
    const rebind = await http.post('/admin/session').set('host', `evil.example:${port}`).set('origin', `http://evil.example:${port}`).send({ token: ADMIN });
    expect(rebind.status).toBe(403);
    // Our own origin under another loopback name still works (Host and Origin agree, and the name is a loopback one).
    expect((await http.post('/admin/links/retry').set({ cookie }).set('host', `localhost:${port}`).set('origin', `http://localhost:${port}`).send(body)).status).toBe(202);
  });
});
