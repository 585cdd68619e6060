// GitHub App credentials against the fake GitHub, through the real SDK: the connector mints an
// installation token on first use, keeps it, mints a fresh one before it expires, and reports a
// refused app as an authentication failure; plus the fake's own app rules over raw HTTP.
//
// @octokit/auth-app 8.3.1 keeps a minted token for 59 minutes after minting it (its cache's fixed
// TTL; it does not read expires_at), and GitHub's tokens last 60: the refresh test steps a faked
// Date across that minute.
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrackerError } from '../../../connectors/errors.ts';
import { JWT_MESSAGES } from '../../../fakes/github/app.ts';
import { createGithubFake, type GithubFake } from '../../../fakes/github/server.ts';
import { connector, ticket, trackerError } from './helpers.ts';

const MINUTE = 60_000;

let fake: GithubFake;
let base: string;

beforeAll(async () => {
  fake = createGithubFake({ repository: 'acme/app', app: { id: 4321, installations: [{ id: 678, repositories: ['acme/app'] }, { id: 9, repositories: ['acme/other'] }] } });
  fake.state.repo('acme/other', true);
  base = await fake.tracker.start();
});

afterAll(async () => {
  await fake.tracker.stop();
});

afterEach(() => {
  vi.useRealTimers();
  fake.app.tokenTtlMs = 60 * MINUTE;
});

const appConnector = (over: Partial<{ appId: number; privateKey: string; installationId: number }> = {}, onCall?: (s: number | 'network' | 'timeout') => void) =>
  connector({ apiUrl: base, app: { appId: fake.app.id, privateKey: fake.app.privateKey, installationId: 678, ...over } }, onCall ? { onCall } : {});

const otherKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/** A JWT signed with `key` (default: the app's) carrying these claims. */
function jwt(claims: Record<string, unknown>, key = fake.app.privateKey, alg = 'RS256'): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

async function call(method: string, path: string, auth: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const mint = async (installation = 678) => {
  const res = await call('POST', `/app/installations/${installation}/access_tokens`, `Bearer ${jwt({ iat: nowS() - 30, exp: nowS() + 540, iss: fake.app.id })}`);
  expect(res.status).toBe(201);
  return res.body as { token: string; expires_at: string };
};

describe('a connector with GitHub App credentials', () => {
  it('mints one installation token, then creates and reads an issue with it', async () => {
    const mintsBefore = fake.app.mints.length;
    const callsBefore = fake.tracker.calls.length;
    const statuses: (number | string)[] = [];
    const gh = appConnector({}, (s) => statuses.push(s));
    expect(fake.app.mints.length).toBe(mintsBefore); // nothing is minted before the first call

    const ref = await gh.create(ticket({ title: 'App-made issue' }));
    const remote = await gh.read(ref);
    expect(remote.fields.title).toBe('App-made issue');
    expect(fake.issue(Number(ref.remoteId))['title']).toBe('App-made issue');

    expect(fake.app.mints.length - mintsBefore).toBe(1);
    expect(fake.app.mints.at(-1)).toMatchObject({ installationId: 678, repositories: ['acme/app'] });
    const seen = fake.tracker.calls.slice(callsBefore);
    expect(seen.map((c) => `${c.route} ${c.status}`)).toEqual(['app.token 201', 'ticket.create 201', 'ticket.get 200']);
    // The mint goes through the connector's own fetch: counted like every other call.
    expect(statuses).toEqual([201, 201, 200]);
  });

  it('mints a fresh token before the first expires (after 59 of its 60 minutes), and no call meets a 401', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-12-02T10:00:00Z'));
    const mintsBefore = fake.app.mints.length;
    const callsBefore = fake.tracker.calls.length;
    const gh = appConnector();
    const ref = await gh.create(ticket());
    const first = fake.app.mints.at(-1)!;
    expect(first.expiresAt - first.mintedAt).toBe(60 * MINUTE);

    vi.setSystemTime(first.mintedAt + 58 * MINUTE);
    await gh.read(ref);
    expect(fake.app.mints.length - mintsBefore).toBe(1);

    vi.setSystemTime(first.mintedAt + 59 * MINUTE + 1000);
    await gh.read(ref);
    expect(fake.app.mints.length - mintsBefore).toBe(2);
    const second = fake.app.mints.at(-1)!;
    expect(second.mintedAt).toBeLessThan(first.expiresAt);
    expect(second.token).not.toBe(first.token);

    // Past the first token's expiry: the connector is on the second one, which GitHub still takes.
    vi.setSystemTime(first.expiresAt + 1000);
    await gh.update(ref, ticket({ title: 'Edited after the first token expired' }), new Set(['title']));
    expect(fake.app.mints.length - mintsBefore).toBe(2);

    const seen = fake.tracker.calls.slice(callsBefore);
    expect(seen.filter((c) => c.status === 401)).toEqual([]);
    expect(seen.map((c) => c.route)).toEqual(['app.token', 'ticket.create', 'ticket.get', 'app.token', 'ticket.get', 'ticket.update']);
    // The first token really is dead by now: keeping it would have failed.
    expect((await call('GET', `/repos/acme/app/issues/${ref.remoteId}`, `token ${first.token}`)).status).toBe(401);
  });

  it('a wrong private key: an app authentication failure that names the app, never the key', async () => {
    const key = otherKey();
    const mintsBefore = fake.app.mints.length;
    const err = await trackerError(appConnector({ privateKey: key }).create(ticket()));
    expect(err).toMatchObject({ tracker: 'github', kind: 'rejected', status: 401 });
    expect(err.message).toMatch(/GitHub App authentication failed minting an installation token for installation 678/);
    expect(err.message).toContain(JWT_MESSAGES.undecodable);
    expect(err.message).toMatch(/private key/);
    const body = key.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (let i = 0; i + 16 <= body.length; i += 16) expect(err.message).not.toContain(body.slice(i, i + 16));
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain(body.slice(0, 40));
    expect(fake.app.mints.length).toBe(mintsBefore);
  });

  it('a wrong installation on a known issue is an authentication failure, not a deleted issue', async () => {
    const ref = await appConnector().create(ticket());
    const err = await trackerError(appConnector({ installationId: 999 }).read(ref));
    expect(err).toMatchObject({ kind: 'rejected', status: 404 });
    expect(err.message).toMatch(/GitHub App authentication failed .*installation 999: Not Found \(is the app installed/);
  });

  it("an installation without the repository cannot see it (GitHub's 404, as for a missing repository)", async () => {
    const err = await trackerError(appConnector({ installationId: 9 }).create(ticket()));
    expect(err).toMatchObject({ kind: 'rejected', status: 404 });
    expect(err.message).toMatch(/does the repository exist, and can the token read it/);
  });

  it.each([
    ['not PEM at all', 'not a key'],
    ['only the first line', '-----BEGIN RSA PRIVATE KEY-----'],
  ])('a private key that is %s stops the connector at construction, without echoing it', (_what, privateKey) => {
    let thrown: unknown;
    try {
      appConnector({ privateKey });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TrackerError);
    expect(thrown).toMatchObject({ kind: 'rejected', message: expect.stringMatching(/^GitHub App 4321: privateKey is not a PEM private key/) });
    expect((thrown as Error).message).not.toContain(privateKey);
  });

  it('accepts the key with escaped newlines, as an environment variable holds it', async () => {
    const ref = await appConnector({ privateKey: fake.app.privateKey.replace(/\n/g, '\\n') }).create(ticket());
    expect(ref.remoteId).toMatch(/^\d+$/);
  });
});

describe('the fake GitHub App over raw HTTP', () => {
  beforeEach(() => {
    fake.tracker.clearFaults();
  });

  it("answers a mint 201 with GitHub's fields: token, expires_at an hour ahead, permissions, selection", async () => {
    const before = Date.now();
    const res = await call('POST', '/app/installations/678/access_tokens', `Bearer ${jwt({ iat: nowS() - 60, exp: nowS() + 600, iss: String(fake.app.id) })}`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      token: expect.stringMatching(/^ghs_\w+$/),
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      permissions: { issues: 'write', metadata: 'read' },
      repository_selection: 'selected',
      repositories: [expect.objectContaining({ full_name: 'acme/app' })],
    });
    const ahead = Date.parse(String(res.body!['expires_at'])) - before;
    expect(ahead).toBeGreaterThan(59 * MINUTE);
    expect(ahead).toBeLessThanOrEqual(60 * MINUTE);
  });

  it('takes the client ID as iss too', async () => {
    const res = await call('POST', '/app/installations/678/access_tokens', `Bearer ${jwt({ iat: nowS(), exp: nowS() + 300, iss: fake.app.clientId })}`);
    expect(res.status).toBe(201);
  });

  it.each<[string, () => string, string]>([
    ['expired', () => jwt({ iat: nowS() - 700, exp: nowS() - 100, iss: fake.app.id }), JWT_MESSAGES.expired],
    ['more than 10 minutes ahead', () => jwt({ iat: nowS(), exp: nowS() + 660, iss: fake.app.id }), JWT_MESSAGES.tooLong],
    ['issued in the future', () => jwt({ iat: nowS() + 300, exp: nowS() + 500, iss: fake.app.id }), JWT_MESSAGES.issuedAt],
    ['issued at a fraction', () => jwt({ iat: nowS() + 0.5, exp: nowS() + 500, iss: fake.app.id }), JWT_MESSAGES.issuedAt],
    ['signed by another key', () => jwt({ iat: nowS(), exp: nowS() + 500, iss: fake.app.id }, otherKey()), JWT_MESSAGES.undecodable],
    ['from another app', () => jwt({ iat: nowS(), exp: nowS() + 500, iss: 99 }), JWT_MESSAGES.undecodable],
    ['not RS256', () => jwt({ iat: nowS(), exp: nowS() + 500, iss: fake.app.id }, undefined, 'HS256'), JWT_MESSAGES.undecodable],
    ['not a JWT', () => 'abc.def', JWT_MESSAGES.undecodable],
  ])('refuses a JWT %s with 401 and GitHub’s message', async (_what, token, message) => {
    const mintsBefore = fake.app.mints.length;
    const res = await call('POST', '/app/installations/678/access_tokens', `Bearer ${token()}`);
    expect(res).toMatchObject({ status: 401, body: { message } });
    expect(fake.app.mints.length).toBe(mintsBefore);
  });

  it('refuses a static or installation token on the app route, and answers 404 for an unknown installation', async () => {
    expect((await call('POST', '/app/installations/678/access_tokens', `token ${fake.token}`)).status).toBe(401);
    const { token } = await mint();
    expect((await call('POST', '/app/installations/678/access_tokens', `token ${token}`)).status).toBe(401);
    const res = await call('POST', '/app/installations/12345/access_tokens', `Bearer ${jwt({ iat: nowS(), exp: nowS() + 500, iss: fake.app.id })}`);
    expect(res).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });

  it('refuses the JWT itself on repository routes (401)', async () => {
    const res = await call('GET', '/repos/acme/app/issues', `Bearer ${jwt({ iat: nowS(), exp: nowS() + 500, iss: fake.app.id })}`);
    expect(res).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
  });

  it("takes an installation token as token or Bearer on its repositories only, until expires_at", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-12-02T12:00:00Z'));
    fake.app.tokenTtlMs = 2000;
    const { token, expires_at } = await mint();
    expect(Date.parse(expires_at)).toBe(Date.parse('2026-12-02T12:00:02Z'));
    expect((await call('GET', '/repos/acme/app/issues', `token ${token}`)).status).toBe(200);
    expect((await call('GET', '/repos/acme/app/issues', `Bearer ${token}`)).status).toBe(200);
    expect((await call('GET', '/repos/acme/other/issues', `token ${token}`)).status).toBe(404);
    vi.setSystemTime(Date.parse(expires_at) - 1);
    expect((await call('GET', '/repos/acme/app/issues', `token ${token}`)).status).toBe(200);
    vi.setSystemTime(Date.parse(expires_at));
    expect(await call('GET', '/repos/acme/app/issues', `token ${token}`)).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
  });

  it('narrows a token to the repositories asked for, and refuses one outside the installation (422)', async () => {
    const auth = () => `Bearer ${jwt({ iat: nowS(), exp: nowS() + 500, iss: fake.app.id })}`;
    expect((await call('POST', '/app/installations/678/access_tokens', auth(), { repositories: ['app'] })).status).toBe(201);
    expect((await call('POST', '/app/installations/678/access_tokens', auth(), { repositories: ['other'] })).status).toBe(422);
  });

  it('search with an installation token finds only issues in its repositories', async () => {
    const other = await mint(9);
    const res = await call('GET', `/search/issues?q=${encodeURIComponent('repo:acme/app is:issue')}`, `token ${other.token}`);
    expect(res).toMatchObject({ status: 200, body: { total_count: 0 } });
    const own = await mint(678);
    const mine = await call('GET', `/search/issues?q=${encodeURIComponent('repo:acme/app is:issue')}`, `token ${own.token}`);
    expect(Number(mine.body!['total_count'])).toBeGreaterThan(0);
  });
});
