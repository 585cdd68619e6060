// Outgoing webhooks end to end (issue 16 part 3): hooks made through the admin API, events from real
// changes (the API, the verification loop, a tracker refusing a create), delivered by the worker role to a
// receiver on loopback (HOOKS_ALLOW_PRIVATE, as tests and on-premise set-ups), checked with the reference
// Standard Webhooks library; retried on 500 with the same id and bytes, not on 400; a hook failing for its
// whole window is disabled; a private address is refused without the flag, at creation and at delivery.
import { distinctMessage } from '../helpers/context.ts';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, until, type Service } from '../helpers/service.ts';
import { createDefect, patchDefect, recordRun } from '../helpers/fixtures.ts';
import { githubOnly, startWithTrackers } from '../helpers/tracked-service.ts';
import { attempt } from '../../src/hooks/deliveries.ts';
import { createLogger } from '../../src/logger.ts';
import { newHookSecret } from '../../src/hooks/signing.ts';

const ADMIN = 'admin-token-for-the-hook-tests';
type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/** A receiver on loopback: each path answers what its script says (then 200), and keeps what came. */
class Receiver {
  readonly got: Received[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server!: Server;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.got.push({ path: req.url!, headers: req.headers, body });
        const status = this.scripts.get(req.url!)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? `refused with ${status}` : 'ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  script(path: string, statuses: number[]) {
    this.scripts.set(path, statuses);
  }
  at(path: string) {
    return this.got.filter((r) => r.path === path);
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

let svc: Service;
let stop: (() => Promise<void>) | undefined;
const rx = new Receiver();
const admin = () => ({ authorization: `Bearer ${ADMIN}` });
const createHook = async (path: string, events: string[]) => {
  const res = await svc.http.post('/admin/hooks').set(admin()).send({ url: `${rx.url}${path}`, events, description: `test ${path}` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string };
};
const deliveries = async (id: string) => (await svc.http.get(`/admin/hooks/${id}/deliveries`).set(admin())).body.data as { id: string; type: string; status: string; attempts: number; responseStatus: number | null; responseExcerpt: string | null }[];

beforeAll(async () => {
  await rx.start();
  // GitHub with a token it refuses: every create fails for good (sync.link_failed).
  ({ svc, stop } = await startWithTrackers({
    env: (base) => ({ ...githubOnly(base), GITHUB_TOKEN: 'ghp_refused_by_the_fake', ADMIN_TOKEN: ADMIN, HOOKS_ALLOW_PRIVATE: 'true', HOOKS_RETRY_BASE_MS: '200', HOOKS_FAILURE_WINDOW_MS: '4000' }),
    debounceMs: 50,
  }));
});
afterAll(async () => {
  await stop?.();
  await rx.stop();
});

describe('outgoing webhooks', () => {
  it('deliver every event they take, signed the Standard Webhooks way, data as the API shows it', async () => {
    const all = ['defect.created', 'defect.updated', 'defect.status_changed', 'defect.reopened', 'case_run.failed', 'sync.link_failed'];
    const hook = await createHook('/all', all);
    expect(hook.secret).toMatch(/^whsec_/);
    const defect = await createDefect(svc.http, { title: 'Hooked defect' });
    await patchDefect(svc.http, defect.key, { title: 'Hooked defect, renamed' });
    await patchDefect(svc.http, defect.key, { status: 'resolved' });
    // A failing re-run linked to the resolved defect reopens it (the verification loop).
    const run = await recordRun(svc.http, { testCase: 'checkout.spec.ts', status: 'failed', message: distinctMessage('Timeout 30000ms exceeded') });
    expect((await svc.http.post(`/api/defects/${defect.key}/case-runs`).send({ caseRunId: run.id })).status).toBeLessThan(300);

    const verifier = new Webhook(hook.secret);
    const wanted = ['defect.created', 'defect.updated', 'defect.status_changed', 'case_run.failed', 'defect.status_changed', 'defect.reopened', 'sync.link_failed'];
    const got = await until('every event delivered', () => (rx.at('/all').length >= wanted.length ? rx.at('/all') : false));
    const payloads = got.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> });
    expect(payloads.map((p) => p.type).sort()).toEqual([...wanted].sort());
    const created = payloads.find((p) => p.type === 'defect.created')!;
    expect(created.data).toMatchObject({ id: defect.id, key: defect.key, change: { actor: 'api' } });
    expect(payloads.find((p) => p.type === 'defect.reopened')!.data).toMatchObject({ key: defect.key, change: { status: { from: 'resolved', to: 'reopened' } } });
    expect(payloads.find((p) => p.type === 'case_run.failed')!.data).toMatchObject({ id: run.id, testCase: 'checkout.spec.ts', status: 'failed' });
    expect(payloads.find((p) => p.type === 'sync.link_failed')!.data).toMatchObject({ key: defect.key, change: { connection: 'github', tracker: 'github' } });
    // One id per delivery, in the form receivers de-duplicate on.
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(got.length);
    // The receiver has them all; the service records each answer just after it (so: wait for the rows).
    const recorded = await until('every delivery recorded as delivered', async () => {
      const rows = await deliveries(hook.id);
      return rows.length === wanted.length && rows.every((d) => d.status === 'delivered') && rows;
    });
    expect(recorded.every((d) => d.attempts === 1)).toBe(true);
    // A hook that takes one event gets only that one.
    await svc.http.delete(`/admin/hooks/${hook.id}`).set(admin()).expect(204);
  });

  it('retry a 500 with the same webhook-id and bytes, and give up at once on a 400', async () => {
    rx.script('/flaky', [500, 500]);
    rx.script('/refusing', [400]);
    const flaky = await createHook('/flaky', ['defect.created']);
    const refusing = await createHook('/refusing', ['defect.created']);
    await createDefect(svc.http, { title: 'Retried delivery' });
    await until('delivered on the third attempt', async () => (await deliveries(flaky.id))[0]?.status === 'delivered');
    const tries = rx.at('/flaky');
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(tries.map((r) => r.body)).size).toBe(1);
    expect((await deliveries(flaky.id))[0]).toMatchObject({ attempts: 3, responseStatus: 200 });
    const refused = await until('the 400 recorded', async () => ((await deliveries(refusing.id))[0]?.status === 'failed' ? deliveries(refusing.id) : false));
    expect(refused[0]).toMatchObject({ attempts: 1, responseStatus: 400, responseExcerpt: 'refused with 400' });
    await new Promise((r) => setTimeout(r, 700)); // past the first retry's delay: none comes
    expect(rx.at('/refusing')).toHaveLength(1);

    // Redelivered by hand: the same delivery, once more.
    const again = await svc.http.post(`/admin/hooks/${refusing.id}/deliveries/${refused[0]!.id}/redeliver`).set(admin());
    expect(again.status).toBe(202);
    await until('redelivered', async () => (await deliveries(refusing.id))[0]?.status === 'delivered');
    expect(rx.at('/refusing').map((r) => r.headers['webhook-id'])).toEqual([refused[0]!.id, refused[0]!.id]);
    await svc.http.delete(`/admin/hooks/${flaky.id}`).set(admin()).expect(204);
    await svc.http.delete(`/admin/hooks/${refusing.id}`).set(admin()).expect(204);
  });

  it('disable a hook that fails for its whole failure window, saying why', async () => {
    rx.script('/down', Array(100).fill(503));
    const down = await createHook('/down', ['defect.created']);
    await createDefect(svc.http, { title: 'Never delivered' });
    const shown = await until('disabled', async () => {
      const h = (await svc.http.get(`/admin/hooks/${down.id}`).set(admin())).body;
      return h.enabled === false ? h : false;
    }, 20_000);
    expect(shown.disabledReason).toMatch(/^every delivery failed since .*; last: HTTP 503 refused with 503/);
    expect((await deliveries(down.id))[0]).toMatchObject({ status: 'failed' });
    // Disabled, it takes no new events; enabled again, it does.
    await createDefect(svc.http, { title: 'While disabled' });
    expect(await deliveries(down.id)).toHaveLength(1);
    const enabled = await svc.http.patch(`/admin/hooks/${down.id}`).set(admin()).send({ enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await svc.http.delete(`/admin/hooks/${down.id}`).set(admin()).expect(204);
  }, 30_000);

  it('rotate: both secrets sign for 24 h, and the new one is shown once', async () => {
    const hook = await createHook('/rotated', ['defect.created']);
    const rotated = await svc.http.post(`/admin/hooks/${hook.id}/rotate`).set(admin());
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await createDefect(svc.http, { title: 'Signed twice' });
    const [r] = await until('delivered', () => (rx.at('/rotated').length ? rx.at('/rotated') : false));
    expect(String(r!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [hook.secret, rotated.body.secret]) expect(new Webhook(secret).verify(r!.body, r!.headers as Record<string, string>)).toMatchObject({ type: 'defect.created' });
    const listed = await svc.http.get('/admin/hooks').set(admin());
    expect(JSON.stringify(listed.body)).not.toContain(rotated.body.secret);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    await svc.http.delete(`/admin/hooks/${hook.id}`).set(admin()).expect(204);
  });

  it('answers 400 naming the field, 404 for an unknown hook, 401 without the admin token', async () => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/x', events: ['defect.created'] }, 'url'],
      [{ url: 'https://bot:pw@example.com/x', events: ['defect.created'] }, 'url'],
      [{ url: 'https://example.com/x', events: ['defect.deleted'] }, 'events[0]'],
      [{ url: 'https://example.com/x', events: [] }, 'events'],
      [{ url: 'https://example.com/x', events: ['defect.created'], description: 'a\u0000b' }, 'description'],
      [{ url: 'https://example.com/x', events: ['defect.created'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await svc.http.post('/admin/hooks').set(admin()).send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    const hook = await createHook('/patched', ['defect.created']);
    for (const [body, field] of [[{}, 'body'], [{ enabled: 'yes' }, 'enabled'], [{ events: ['nope'] }, 'events[0]']] as const) {
      const res = await svc.http.patch(`/admin/hooks/${hook.id}`).set(admin()).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    expect((await svc.http.get(`/admin/hooks/${hook.id}/deliveries?status=lost`).set(admin())).status).toBe(400);
    await svc.http.delete(`/admin/hooks/${hook.id}`).set(admin()).expect(204);
    expect((await svc.http.get('/admin/hooks/00000000-0000-4000-8000-000000000000').set(admin())).status).toBe(404);
    expect((await svc.http.post('/admin/hooks').send({ url: 'https://example.com/x', events: ['defect.created'] })).status).toBe(401);
    expect((await svc.http.get('/admin/hooks')).status).toBe(401);
  });
});

describe('without HOOKS_ALLOW_PRIVATE', () => {
  let strict: Service;
  beforeAll(async () => {
    // The permissive service's workers stop first: none of them may send what this service refuses.
    await svc.prisma.hook.deleteMany({ where: { url: { startsWith: rx.url } } });
    await svc.stop();
    strict = await startService({ env: { ADMIN_TOKEN: ADMIN }, workers: false });
  });
  // Hooks live in the run's shared database: none of this file's is left to hear other files' changes.
  afterAll(() => strict.prisma.hook.deleteMany({ where: { url: { startsWith: rx.url } } }));

  it('refuses a hook URL resolving to loopback, private, link-local or metadata addresses, on the resolved address', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://10.0.0.7/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9/hook', 'http://[fd00:ec2::254]/']) {
      const res = await strict.http.post('/admin/hooks').set(admin()).send({ url, events: ['defect.created'] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.details.fields[0].field).toBe('url');
      expect(res.body.error.message, url).toMatch(/resolves to .*(loopback, private, link-local or reserved)/);
    }
  });

  it('refuses at delivery too: a hook made while allowed (or a name that now points inside) is not sent', async () => {
    // Made as if HOOKS_ALLOW_PRIVATE had been on (or the name resolved outside then).
    const hook = await strict.prisma.hook.create({ data: { url: `${rx.url}/inside`, events: ['defect.created'], secret: newHookSecret() } });
    const before = rx.at('/inside').length;
    await createDefect(strict.http, { title: 'Never leaves' });
    const [d] = await strict.prisma.hookDelivery.findMany({ where: { hookId: hook.id } });
    await attempt({ prisma: strict.prisma, log: createLogger('silent'), settings: { allowPrivate: false, retryBaseMs: 200, failureWindowMs: 60_000 } }, d!.id);
    expect(await strict.prisma.hookDelivery.findUnique({ where: { id: d!.id } })).toMatchObject({ status: 'failed', attempts: 1, responseExcerpt: expect.stringMatching(/^127\.0\.0\.1 resolves to 127\.0\.0\.1/) });
    expect(rx.at('/inside').length).toBe(before);
  });
});
