// Property test: hostile input on the webhook routes and the admin routes, over real HTTP to the
// service wired to the three fakes. Forged, missing, replayed and stale signatures; malformed,
// oversized and non-UTF-8 payloads; unknown event types; hostile delivery ids and random headers on
// the webhooks; random query strings, tokens and cookies on the admin routes. Whatever arrives: no
// 5xx, the one error shape, and a refused request stores nothing (inbound events, webhook
// registrations, conflicts, links). Seed: FC_SEED (default fixed); FC_RUNS scales the runs.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const SECRETS = { github: 'gh-webhook-secret-for-property-tests', jira: 'jira-webhook-secret-for-property-tests' };
/** A secret rotated out before this service started: signatures made with it are stale. */
const RETIRED = 'gh-webhook-secret-retired-long-ago';
const ADMIN = 'admin-token-for-property-tests';

let svc: Service;
let stop: () => Promise<void>;
let asanaId = '';
let asanaSecret = '';
/** A delivery accepted once before the properties run: sending its id again is a replay. */
const replayed = { github: randomUUID(), jira: `${Date.now()}123` };

beforeAll(async () => {
  ({ svc, stop } = await startWithTrackers({ secrets: SECRETS, env: { ADMIN_TOKEN: ADMIN }, listen: true, workers: false }));
  const reg = await svc.prisma.webhookRegistration.findFirstOrThrow({ where: { connection: 'asana', state: 'active' }, orderBy: { createdAt: 'desc' } });
  asanaId = reg.id;
  asanaSecret = reg.secret!;
  const ping = '{"zen":"Keep it logically awesome.","hook_id":1}';
  const first = await post('/webhooks/github', { 'x-github-event': 'ping', 'x-github-delivery': replayed.github, 'x-hub-signature-256': sig(SECRETS.github, ping) }, ping);
  expect(first.status).toBe(200); // a ping names no ticket: ignored
  const created = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { id: '999999' } });
  expect((await post('/webhooks/jira', { 'x-atlassian-webhook-identifier': replayed.jira, 'x-hub-signature': sig(SECRETS.jira, created) }, created)).status).toBe(200); // no defect is linked to it: ignored
});
afterAll(() => stop?.());

const sig = (secret: string, body: string | Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function post(path: string, headers: Record<string, string>, body: string | Buffer, method = 'POST') {
  const res = await fetch(`${svc.url}${path}`, { method, headers, ...(method !== 'GET' && method !== 'HEAD' && { body }) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

// ---- generators -------------------------------------------------------------------------------

const nasty = fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\u0007', '\ufeff', '', ' ', '"', '\\');
const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 8 }), nasty, fc.string({ maxLength: 8 })).map(([a, b, c]) => a + b + c),
  fc.constantFrom('issues', 'ping', 'jira:issue_updated', 'jira:issue_deleted', 'task', 'story', 'opened', 'closed', 'acme/app', 'ACME/APP', 'other/repo'),
);
const idLike = fc.oneof(
  fc.integer({ min: -5, max: 3 }),
  fc.constantFrom(1, 2147483648, Number.MAX_SAFE_INTEGER, 1e308, 0.5, -0),
  fc.constantFrom('1', '01', '1.0', '-1', '9'.repeat(40), '', 'x', '1\u0000'),
  hostileString,
  fc.constant(null),
);
const githubPayload = fc.record(
  {
    action: hostileString,
    issue: fc.oneof(fc.record({ number: idLike, pull_request: fc.option(fc.constant({}), { nil: undefined }) }, { requiredKeys: ['number'] }), fc.jsonValue({ maxDepth: 1 })),
    repository: fc.oneof(fc.record({ full_name: hostileString }), fc.jsonValue({ maxDepth: 1 })),
    zen: hostileString,
  },
  { requiredKeys: [] },
);
const jiraPayload = fc.record(
  {
    webhookEvent: hostileString,
    timestamp: fc.oneof(fc.integer(), fc.constant(0), hostileString),
    issue: fc.oneof(fc.record({ id: idLike, key: hostileString }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const asanaEvent = fc.record(
  {
    action: hostileString,
    resource: fc.oneof(fc.record({ gid: idLike, resource_type: hostileString }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 1 })),
    parent: fc.oneof(fc.constant(null), fc.record({ gid: idLike, resource_type: fc.constantFrom('task', 'project', 'x') })),
    created_at: hostileString,
  },
  { requiredKeys: [] },
);
const asanaPayload = fc.record({ events: fc.oneof(fc.array(asanaEvent, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] });

/** A body: shaped like the tracker's with hostile values, any JSON, not JSON at all, or not UTF-8. */
const bodyFor = (shaped: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: shaped.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"events":[]', '\ufeff{}', '{"a":"\\ud800"}', '{"webhookEvent":"a\\u0000b"}') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.from('{"x":"\xe9"}', 'latin1')) },
  );

/** How a request is signed: validly, not at all, forged, with a retired secret, for another body, malformed. */
type SignMode = 'valid' | 'none' | 'forged' | 'stale' | 'other-body' | 'malformed' | 'uppercase';
const signMode: fc.Arbitrary<SignMode> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('valid') },
  { weight: 3, arbitrary: fc.constantFrom('none', 'forged', 'stale', 'other-body', 'malformed', 'uppercase') },
);

/** Header values Node's fetch can send: printable ASCII, latin1 bytes, tab; sometimes long. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.integer({ min: 200, max: 6000 }).map((n) => 'd'.repeat(n)),
  fc.constantFrom('', ' ', 'null', '0', '-1', '\xff\xfe'),
);
const deliveryId = (tracker: 'github' | 'jira') =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constant(replayed[tracker]) },
    { weight: 2, arbitrary: headerValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const extraHeaders = fc.dictionary(
  fc.constantFrom('content-type', 'content-encoding', 'x-forwarded-for', 'cookie', 'authorization', 'x-hook-secret', 'x-github-hook-id', 'user-agent', 'x-request-id', 'x-random'),
  fc.oneof(headerValue, fc.constantFrom('application/json', 'text/plain', 'gzip', 'deflate', 'br', 'identity, gzip', 'application/json; charset=utf-16')),
  { maxKeys: 3 },
);

type Webhook = { tracker: 'github' | 'jira' | 'asana'; path: string; body: string | Buffer; headers: Record<string, string> };

function signature(mode: SignMode, secret: string, body: string | Buffer, bare: boolean): string | undefined {
  const full = {
    valid: sig(secret, body),
    none: undefined,
    forged: `sha256=${createHmac('sha256', 'forged').update(randomUUID()).digest('hex')}`,
    stale: sig(RETIRED, body),
    'other-body': sig(secret, `${body.toString()} `),
    malformed: `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    uppercase: sig(secret, body).toUpperCase(),
  }[mode];
  return full && bare ? full.replace(/^sha256=/i, '') : full;
}

const githubRequest = fc
  .record({ body: bodyFor(githubPayload), mode: signMode, delivery: deliveryId('github'), event: fc.option(fc.oneof(fc.constantFrom('issues', 'ping', 'issue_comment', 'pull_request', 'installation'), headerValue), { nil: undefined }), extra: extraHeaders })
  .map(({ body, mode, delivery, event, extra }): Webhook => {
    const s = signature(mode, SECRETS.github, body, false);
    return {
      tracker: 'github',
      path: '/webhooks/github',
      body,
      headers: { ...extra, ...(event !== undefined && { 'x-github-event': event }), ...(delivery !== undefined && { 'x-github-delivery': delivery }), ...(s && { 'x-hub-signature-256': s }) },
    };
  });
const jiraRequest = fc
  .record({ body: bodyFor(jiraPayload), mode: signMode, delivery: deliveryId('jira'), extra: extraHeaders })
  .map(({ body, mode, delivery, extra }): Webhook => {
    const s = signature(mode, SECRETS.jira, body, false);
    return { tracker: 'jira', path: '/webhooks/jira', body, headers: { ...extra, ...(delivery !== undefined && { 'x-atlassian-webhook-identifier': delivery }), ...(s && { 'x-hub-signature': s }) } };
  });
const asanaRequest = fc
  .record({
    body: bodyFor(asanaPayload),
    mode: signMode,
    // The live registration, a registration that never existed, or no registration id at all.
    target: fc.oneof({ weight: 4, arbitrary: fc.constant('live') }, { weight: 1, arbitrary: fc.constantFrom('unknown', 'upper', 'garbage', '%00', '..%2F..%2Fjira') }),
    handshake: fc.option(headerValue, { nil: undefined, freq: 4 }),
    extra: extraHeaders,
  })
  .map(({ body, mode, target, handshake, extra }): Webhook => {
    const s = signature(mode, asanaSecret, body, true);
    const id = { live: asanaId, unknown: randomUUID(), upper: asanaId.toUpperCase(), garbage: 'not-a-registration' }[target as 'live'] ?? target;
    return { tracker: 'asana', path: `/webhooks/asana/${id}`, body, headers: { ...extra, ...(handshake !== undefined && { 'x-hook-secret': handshake }), ...(s && { 'x-hook-signature': s }) } };
  });

// ---- invariants -------------------------------------------------------------------------------

/** Everything a webhook or an admin request could change. */
async function stored(): Promise<string> {
  const [row] = await svc.prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT (SELECT count(*) FROM "InboundEvent") AS events,
           (SELECT md5(coalesce(string_agg(id || state || coalesce(secret, '') || coalesce("remoteId", ''), ',' ORDER BY id), '')) FROM "WebhookRegistration") AS registrations,
           (SELECT count(*) FROM "SyncConflict") AS conflicts,
           (SELECT count(*) FROM "TrackerLink") AS links`;
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

function expectErrorShape(status: number, text: string, where: string): void {
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body), where).toEqual(['error']);
  const error = body['error'] as Record<string, unknown>;
  expect(error, where).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect(Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k)), where).toEqual([]);
  expect(text.length, where).toBeLessThan(16_000);
  expect(status, where).toBeGreaterThanOrEqual(400);
}

async function checkWebhook(w: Webhook): Promise<void> {
  const before = await stored();
  const res = await post(w.path, w.headers, w.body);
  const where = `POST ${w.path} ${JSON.stringify(w.headers).slice(0, 300)} body=${JSON.stringify(w.body.toString()).slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  if (res.status >= 300) {
    expectErrorShape(res.status, res.text, where);
    expect(await stored(), `a refused webhook changed the store: ${where}`).toBe(before);
  } else if (!w.headers['x-hook-secret']) {
    // Accepted: only a request whose signature verifies can be, and it never touches links or conflicts.
    expect(res.status === 200 || res.status === 202, where).toBe(true);
    expect(JSON.parse(res.text), where).toMatchObject({ accepted: expect.any(Number), duplicates: expect.any(Number) });
  }
}

const property = <T>(arb: fc.Arbitrary<T>, check: (v: T) => Promise<void>, numRuns = RUNS) =>
  fc.assert(fc.asyncProperty(arb, check), { seed: SEED, numRuns, endOnFailure: true });

describe('hostile input on the webhook routes: no 5xx, one error shape, nothing stored when refused', () => {
  it('POST /webhooks/github', () => property(githubRequest, checkWebhook));
  it('POST /webhooks/jira', () => property(jiraRequest, checkWebhook));
  it('POST /webhooks/asana/:registration', () => property(asanaRequest, checkWebhook));

  it('refuses forged, missing, stale and misdirected signatures outright (401), whatever the body', () =>
    property(
      fc.tuple(fc.oneof(githubRequest, jiraRequest, asanaRequest), fc.constantFrom<SignMode>('none', 'forged', 'stale', 'other-body', 'malformed')).map(([w, mode]) => {
        const headers = { ...w.headers };
        // A handshake and an undecodable content-encoding are refused on other grounds; this is about signatures.
        delete headers['x-hook-secret'];
        delete headers['content-encoding'];
        const name = { github: 'x-hub-signature-256', jira: 'x-hub-signature', asana: 'x-hook-signature' }[w.tracker];
        const secret = { github: SECRETS.github, jira: SECRETS.jira, asana: asanaSecret }[w.tracker];
        const s = signature(mode, secret, w.body, w.tracker === 'asana');
        if (s) headers[name] = s;
        else delete headers[name];
        return { ...w, headers };
      }),
      async (w) => {
        const before = await stored();
        const res = await post(w.path, w.headers, w.body);
        const where = `${w.path} → ${res.status} ${res.text.slice(0, 200)}`;
        // 413 (too large, refused before reading) and 401 are both refusals; nothing else is.
        expect([401, 413], where).toContain(res.status);
        expectErrorShape(res.status, res.text, where);
        expect(await stored(), where).toBe(before);
      },
      100,
    ));

  it('takes a signed delivery whose event name holds NUL or a lone surrogate (it names no ticket), never a 500', async () => {
    for (const event of ['\ud800', 'a\u0000b']) {
      const jira = JSON.stringify({ webhookEvent: event, issue: { id: '1' } });
      const res = await post('/webhooks/jira', { 'x-atlassian-webhook-identifier': randomUUID(), 'x-hub-signature': sig(SECRETS.jira, jira) }, jira);
      expect(res.status, res.text).toBe(200); // names no ticket: ignored
      const gh = JSON.stringify({ action: event, zen: 'x' });
      const res2 = await post('/webhooks/github', { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sig(SECRETS.github, gh) }, gh);
      expect(res2.status, res2.text).toBe(200);
    }
  });

  it('refuses a signed delivery whose delivery id is too long to be one (400 naming it), storing nothing', async () => {
    const before = await stored();
    const ping = '{"zen":"x"}';
    const res = await post('/webhooks/github', { 'x-github-event': 'ping', 'x-github-delivery': randomBytes(3000).toString('hex'), 'x-hub-signature-256': sig(SECRETS.github, ping) }, ping);
    expect(res.status, res.text).toBe(400);
    expectErrorShape(res.status, res.text, 'long delivery id');
    expect(res.text).toMatch(/delivery id/i);
    expect(await stored()).toBe(before);
  });

  it('answers a replayed delivery 200 with no new row, however often it comes (a ping: ignored every time)', async () => {
    const ping = '{"zen":"Keep it logically awesome.","hook_id":1}';
    const before = await stored();
    for (let i = 0; i < 3; i++) {
      const res = await post('/webhooks/github', { 'x-github-event': 'ping', 'x-github-delivery': replayed.github, 'x-hub-signature-256': sig(SECRETS.github, ping) }, ping);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ accepted: 0, duplicates: 0, ignored: 1 });
    }
    expect(await stored()).toBe(before);
  });

  it('refuses oversized payloads with 413, signed or not, storing nothing', async () => {
    const before = await stored();
    for (const size of [1024 * 1024 + 1, 3 * 1024 * 1024]) {
      const huge = JSON.stringify({ action: 'edited', issue: { number: 1 }, repository: { full_name: 'acme/app' }, pad: 'x'.repeat(size) });
      const res = await post('/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sig(SECRETS.github, huge) }, huge);
      expect(res.status).toBe(413);
      expectErrorShape(res.status, res.text, 'oversized');
      const asana = await post(`/webhooks/asana/${asanaId}`, { 'x-hook-signature': sig(asanaSecret, huge).slice(7) }, huge);
      expect(asana.status).toBe(413);
    }
    expect(await stored()).toBe(before);
  });
});

// ---- admin ------------------------------------------------------------------------------------

/** Percent-encodes every UTF-16 unit; a lone surrogate goes out as its (invalid) 3-byte UTF-8 form. */
function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += `%${[0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => b.toString(16).toUpperCase()).join('%')}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'cursor', 'tracker', 'limit[]', 'cursor[x]', '__proto__', 'constructor'), hostileString),
      fc.oneof(
        hostileString,
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
        fc.constantFrom('1', '200', '201', '0', '-1', '1e3', '0x10', '9223372036854775807', '9223372036854775808', '9999999999999999999', 'github', 'GITHUB', 'linear', '%00', '%ED%A0%80', '%'),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${v.startsWith('%') ? v : pct(v)}`).join('&'));
const token = fc.oneof(
  { weight: 3, arbitrary: fc.constant(`Bearer ${ADMIN}`) },
  { weight: 2, arbitrary: fc.constantFrom(`bearer  ${ADMIN}  `, `Bearer ${ADMIN}x`, `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`, 'Bearer', 'Bearer ', `${ADMIN}`, `Bearer ${ADMIN.toUpperCase()}`) },
  { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
  { weight: 1, arbitrary: headerValue },
);
const adminRequest = fc.record(
  {
    method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'),
    path: fc.oneof({ weight: 5, arbitrary: fc.constant('/admin/conflicts') }, { weight: 1, arbitrary: fc.constantFrom('/admin', '/admin/', '/admin/conflicts/1', '/admin/CONFLICTS', '/admin/%00', '/admin/..%2Fapi%2Fdefects') }),
    query: queryString,
    authorization: fc.option(token, { nil: undefined, freq: 5 }),
    cookie: fc.option(fc.oneof(headerValue, fc.constant(`token=${ADMIN}; admin=1`)), { nil: undefined, freq: 2 }),
    body: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.constantFrom('{', 'x'.repeat(2000))), { nil: undefined }),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
  },
  { requiredKeys: ['method', 'path', 'query', 'contentType'] },
);

describe('hostile input on the admin routes: no 5xx, one error shape, no change, no access without the token', () => {
  it('answers cursors beyond the id range, and repeated or odd parameters, with a 400 naming them', async () => {
    for (const q of ['cursor=9999999999999999999', 'cursor=9223372036854775808', 'limit=1&limit=2', 'tracker=linear', 'cursor=0', 'limit=1e3']) {
      const res = await post(`/admin/conflicts?${q}`, { authorization: `Bearer ${ADMIN}` }, '', 'GET');
      expect(res.status, `${q} → ${res.text}`).toBe(400);
      expectErrorShape(res.status, res.text, q);
      expect(res.text).toMatch(new RegExp(q.split('=')[0]!));
    }
    const ok = await post('/admin/conflicts?cursor=9223372036854775807&limit=200&tracker=jira', { authorization: `Bearer ${ADMIN}` }, '', 'GET');
    expect(ok.status, ok.text).toBe(200);
  });

  it('GET /admin/conflicts and whatever else is tried under /admin', () =>
    property(adminRequest, async (r) => {
      const before = await stored();
      const headers: Record<string, string> = { 'content-type': r.contentType };
      if (r.authorization !== undefined) headers['authorization'] = r.authorization;
      if (r.cookie !== undefined) headers['cookie'] = r.cookie;
      const res = await post(`${r.path}${r.query ? `?${r.query}` : ''}`, headers, r.body ?? '', r.method);
      const where = `${r.method} ${r.path}?${r.query} auth=${r.authorization?.slice(0, 60)} → ${res.status} ${res.text.slice(0, 300)}`;
      expect(res.status, where).toBeLessThan(500);
      const authorized = r.authorization !== undefined && /^Bearer +(\S+) *$/i.exec(r.authorization)?.[1] === ADMIN;
      // The dashboard page (no data in it: it signs in first) is served to anyone; '/admin/' redirects to it.
      const page = (r.method === 'GET' || r.method === 'HEAD') && (r.path === '/admin' || r.path === '/admin/');
      if (page) {
        expect([200, 301], where).toContain(res.status);
        expect(res.text, where).not.toContain('"data"');
      } else if (!authorized) {
        // Without the token nothing but the 401 comes back, whatever the path, query or cookie.
        expect(res.status, where).toBe(401);
      }
      if (res.status >= 400 && r.method !== 'HEAD') expectErrorShape(res.status, res.text, where);
      if (res.status === 200 && r.method === 'GET' && r.path === '/admin/conflicts') {
        const page = JSON.parse(res.text) as { data: unknown[]; nextCursor: string | null };
        expect(Array.isArray(page.data), where).toBe(true);
      }
      expect(await stored(), where).toBe(before);
    }));
});
