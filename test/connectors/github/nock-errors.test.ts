// Every GitHub failure class becomes the right TrackerError kind, with GitHub's own message and the
// wait it asked for. nock answers as api.github.com does.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketRef } from '../../../connectors/contract.ts';
import { connector, DEFECT_ID, ticket, TOKEN, trackerError } from './helpers.ts';

const API = 'https://api.github.com';
const REF: TicketRef = { remoteId: '12', key: 'acme/app#12', url: 'https://github.com/acme/app/issues/12' };
const ISSUE = '/repos/acme/app/issues/12';

const gh = (status: number, message: string, extra: Record<string, unknown> = {}) => ({
  message,
  documentation_url: 'https://docs.github.com/rest',
  status: String(status),
  ...extra,
});

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('rate limits', () => {
  it('429 with Retry-After → rate_limited for that long', async () => {
    nock(API).get(ISSUE).reply(429, gh(429, 'Too Many Requests'), { 'retry-after': '30' });
    expect(await trackerError(connector().read(REF))).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 30_000 });
  });

  it.each([403, 429])('%i with x-ratelimit-remaining 0 → rate_limited until x-ratelimit-reset', async (status) => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    nock(API)
      .get(ISSUE)
      .reply(status, gh(status, 'API rate limit exceeded for user ID 1.'), {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-resource': 'core',
      });
    const err = await trackerError(connector().read(REF));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBeGreaterThan(118_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(err.message).toContain('API rate limit exceeded');
  });

  it('403 secondary rate limit with Retry-After → rate_limited for Retry-After seconds', async () => {
    nock(API)
      .post('/repos/acme/app/issues')
      .reply(403, gh(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'), {
        'retry-after': '90',
        'x-ratelimit-remaining': '4990',
      });
    expect(await trackerError(connector().create(ticket()))).toMatchObject({ kind: 'rate_limited', status: 403, retryAfterMs: 90_000 });
  });

  it('403 secondary rate limit without any header → rate_limited for a minute (GitHub: wait at least one minute)', async () => {
    nock(API).get(ISSUE).reply(403, gh(403, 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation.'));
    expect(await trackerError(connector().read(REF))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
  });

  it('a 403 that is no rate limit is rejected with GitHub’s message', async () => {
    nock(API)
      .patch(ISSUE)
      .reply(403, gh(403, 'Resource not accessible by personal access token'), { 'x-ratelimit-remaining': '4999' });
    const err = await trackerError(connector().update(REF, ticket(), new Set(['title'])));
    expect(err).toMatchObject({ kind: 'rejected', status: 403 });
    expect(err.message).toContain('Resource not accessible by personal access token');
  });
});

describe('server and network failures', () => {
  it.each([500, 502, 503])('%i → transient, asked once (Octokit does not retry)', async (status) => {
    const scope = nock(API).get(ISSUE).reply(status, gh(status, 'Server Error')).get(ISSUE).reply(200, {});
    const err = await trackerError(connector().read(REF));
    expect(err).toMatchObject({ kind: 'transient', status });
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it('a reset connection → transient', async () => {
    nock(API).get(ISSUE).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await trackerError(connector().read(REF));
    expect(err.kind).toBe('transient');
    expect(err.status).toBeUndefined();
  });
});

describe('refusals', () => {
  it('401 Bad credentials → rejected with GitHub’s message and never the token', async () => {
    nock(API).get(ISSUE).reply(401, gh(401, 'Bad credentials'));
    const err = await trackerError(connector().read(REF));
    expect(err).toMatchObject({ kind: 'rejected', status: 401 });
    expect(err.message).toContain('Bad credentials');
    expect(err.message).not.toContain(TOKEN);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(TOKEN);
  });

  it('400 Problems parsing JSON → rejected', async () => {
    nock(API).post('/repos/acme/app/issues').reply(400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest', status: '400' });
    expect(await trackerError(connector().create(ticket()))).toMatchObject({ kind: 'rejected', status: 400, message: expect.stringContaining('Problems parsing JSON') });
  });

  it('422 Validation Failed → rejected with the field details', async () => {
    nock(API)
      .post('/repos/acme/app/issues')
      .reply(422, gh(422, 'Validation Failed', { errors: [{ value: 'ann-gh', resource: 'Issue', field: 'assignees', code: 'invalid' }] }));
    const err = await trackerError(connector().create(ticket({ assignee: 'ann@example.com' })));
    expect(err).toMatchObject({ kind: 'rejected', status: 422 });
    expect(err.message).toContain('Validation Failed: assignees invalid ("ann-gh")');
  });

  it('404 on a known issue → gone; 410 "This issue was deleted" → gone', async () => {
    nock(API).get(ISSUE).reply(404, gh(404, 'Not Found')).patch(ISSUE).reply(410, gh(410, 'This issue was deleted'));
    expect(await trackerError(connector().read(REF))).toMatchObject({ kind: 'gone', status: 404 });
    const err = await trackerError(connector().update(REF, ticket(), new Set(['title'])));
    expect(err).toMatchObject({ kind: 'gone', status: 410, message: expect.stringContaining('This issue was deleted') });
  });

  it('404 on the repository (create, marker lookup) → rejected, not gone', async () => {
    nock(API).post('/repos/acme/app/issues').reply(404, gh(404, 'Not Found')).get('/repos/acme/app/issues').query(true).reply(404, gh(404, 'Not Found'));
    expect(await trackerError(connector().create(ticket()))).toMatchObject({ kind: 'rejected', status: 404 });
    expect(await trackerError(connector().findByMarker(DEFECT_ID, new Date()))).toMatchObject({ kind: 'rejected', status: 404 });
  });

  it('a ref whose remoteId is not an issue number is rejected without a request', async () => {
    expect(await trackerError(connector().read({ ...REF, remoteId: 'I_kwDOabc' }))).toMatchObject({ kind: 'rejected' });
  });
});
