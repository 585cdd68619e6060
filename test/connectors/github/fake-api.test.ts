// The fake GitHub itself, over raw HTTP: it must refuse what GitHub refuses, with GitHub's bodies,
// so a connector bug cannot hide behind a lenient fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubFake, type GithubFake } from '../../../fakes/github/server.ts';

let fake: GithubFake;
let base: string;

beforeAll(async () => {
  fake = createGithubFake({ repository: 'acme/app', collaborators: ['Ann-GH'] });
  base = await fake.tracker.start();
});

afterAll(async () => {
  await fake.tracker.stop();
});

async function call(method: string, path: string, body?: unknown, auth: string | null = `token ${fake.token}`) {
  const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(auth && { authorization: auth }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const create = async (body: Record<string, unknown> = {}) => (await call('POST', '/repos/acme/app/issues', { title: 'T', ...body })).body as Record<string, unknown>;

describe('authentication', () => {
  it('accepts "token X" and "Bearer X"', async () => {
    expect((await call('GET', '/repos/acme/app/issues')).status).toBe(200);
    expect((await call('GET', '/repos/acme/app/issues', undefined, `Bearer ${fake.token}`)).status).toBe(200);
  });

  it('answers GitHub’s 401 bodies for a wrong or missing token', async () => {
    expect(await call('GET', '/repos/acme/app/issues', undefined, 'token nope')).toMatchObject({
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
    });
    expect(await call('POST', '/repos/acme/app/issues', { title: 'x' }, null)).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
  });
});

describe('create and update rules', () => {
  it('creates open issues with numbers, labels (created on first use) and rate-limit headers', async () => {
    const res = await call('POST', '/repos/acme/app/issues', { title: 'First', body: 'b', labels: ['bug', { name: 'ui' }], assignees: ['ann-gh'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${base}/repos/acme/app/issues/${res.body.number}`);
    expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({ state: 'open', state_reason: null, title: 'First', body: 'b', repository_url: `${base}/repos/acme/app` });
    expect(res.body.labels.map((l: { name: string }) => l.name)).toEqual(['bug', 'ui']);
    expect(res.body.assignees.map((a: { login: string }) => a.login)).toEqual(['ann-gh']);
    expect(res.body.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses a missing or empty title, a non-array labels and a non-collaborator assignee with 422', async () => {
    expect(await call('POST', '/repos/acme/app/issues', { body: 'no title' })).toMatchObject({
      status: 422,
      body: { message: 'Invalid request.\n\n"title" wasn\'t supplied.', status: '422' },
    });
    expect(await call('POST', '/repos/acme/app/issues', { title: '  ' })).toMatchObject({
      status: 422,
      body: { message: 'Validation Failed', errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }] },
    });
    expect((await call('POST', '/repos/acme/app/issues', { title: 'x', labels: 'bug' })).status).toBe(422);
    expect(await call('POST', '/repos/acme/app/issues', { title: 'x', assignees: ['mallory'] })).toMatchObject({
      status: 422,
      body: { message: 'Validation Failed', errors: [{ value: 'mallory', resource: 'Issue', field: 'assignees', code: 'invalid' }] },
    });
  });

  it('refuses broken JSON with 400', async () => {
    const res = await fetch(`${base}/repos/acme/app/issues`, {
      method: 'POST',
      headers: { authorization: `token ${fake.token}`, 'content-type': 'application/json' },
      body: '{"title":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'Problems parsing JSON' });
  });

  it('PATCH changes only what it names; labels replace the set when given', async () => {
    const issue = await create({ body: 'keep me', labels: ['a', 'b'] });
    const res = await call('PATCH', `/repos/acme/app/issues/${issue['number']}`, { title: 'Renamed' });
    expect(res.body).toMatchObject({ title: 'Renamed', body: 'keep me' });
    expect(res.body.labels.map((l: { name: string }) => l.name)).toEqual(['a', 'b']);
    const relabelled = await call('PATCH', `/repos/acme/app/issues/${issue['number']}`, { labels: ['c'] });
    expect(relabelled.body.labels.map((l: { name: string }) => l.name)).toEqual(['c']);
  });

  it('applies GitHub’s state and state_reason rules', async () => {
    const n = (await create())['number'];
    const patch = (body: unknown) => call('PATCH', `/repos/acme/app/issues/${n}`, body);
    expect((await patch({ state: 'done' })).status).toBe(422);
    expect((await patch({ state: 'closed', state_reason: 'wontfix' })).status).toBe(422);
    // state_reason alone is ignored while the state does not change
    expect((await patch({ state_reason: 'not_planned' })).body).toMatchObject({ state: 'open', state_reason: null });
    expect((await patch({ state: 'closed' })).body).toMatchObject({ state: 'closed', state_reason: 'completed', closed_at: expect.any(String) });
    expect((await patch({ state: 'closed', state_reason: 'not_planned' })).body).toMatchObject({ state_reason: 'completed' });
    expect((await patch({ state: 'open', state_reason: 'reopened' })).body).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null });
    expect((await patch({ state: 'closed', state_reason: 'reopened' })).status).toBe(422);
    expect((await patch({ state: 'closed', state_reason: 'duplicate' })).body).toMatchObject({ state: 'closed', state_reason: 'duplicate' });
  });
});

describe('labels and assignees endpoints', () => {
  const names = (labels: { name: string }[]) => labels.map((l) => l.name);

  it('POST …/labels adds to the set and answers 200 with all the issue’s labels; {labels} or a bare array', async () => {
    const n = (await create({ labels: ['bug'] }))['number'];
    const res = await call('POST', `/repos/acme/app/issues/${n}/labels`, { labels: ['severity: low'] });
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['bug', 'severity: low']);
    expect(names((await call('POST', `/repos/acme/app/issues/${n}/labels`, ['ui', 'BUG'])).body)).toEqual(['bug', 'severity: low', 'ui']);
    expect((await call('POST', `/repos/acme/app/issues/${n}/labels`, { labels: [''] })).status).toBe(422);
  });

  it('DELETE …/labels/{name} answers the remaining labels, or 404 "Label does not exist"', async () => {
    const n = (await create({ labels: ['bug', 'severity: high'] }))['number'];
    const res = await call('DELETE', `/repos/acme/app/issues/${n}/labels/${encodeURIComponent('severity: high')}`);
    expect(res).toMatchObject({ status: 200 });
    expect(names(res.body)).toEqual(['bug']);
    expect(await call('DELETE', `/repos/acme/app/issues/${n}/labels/nope`)).toMatchObject({
      status: 404,
      body: { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue', status: '404' },
    });
  });

  it('POST …/assignees adds (201, the issue), keeps those assigned and silently ignores logins that cannot be assigned', async () => {
    fake.addCollaborator('bob-gh');
    const n = (await create({ assignees: ['ann-gh'] }))['number'];
    const res = await call('POST', `/repos/acme/app/issues/${n}/assignees`, { assignees: ['bob-gh', 'mallory'] });
    expect(res.status).toBe(201);
    expect(res.body.assignees.map((a: { login: string }) => a.login)).toEqual(['ann-gh', 'bob-gh']);
  });

  it('DELETE …/assignees removes the named logins (200, the issue); assignees is required', async () => {
    const n = (await create({ assignees: ['ann-gh'] }))['number'];
    const res = await call('DELETE', `/repos/acme/app/issues/${n}/assignees`, { assignees: ['Ann-GH'] });
    expect(res).toMatchObject({ status: 200, body: { assignees: [] } });
    expect((await call('DELETE', `/repos/acme/app/issues/${n}/assignees`, {})).status).toBe(422);
  });

  it('a token without push access has its labels and assignees silently dropped, with 2xx answers', async () => {
    const n = (await create({ labels: ['bug'], assignees: ['ann-gh'] }))['number'];
    fake.setPushAccess(false);
    try {
      const created = await create({ labels: ['x'], assignees: ['ann-gh'] });
      expect(created).toMatchObject({ labels: [], assignees: [] });
      expect((await call('PATCH', `/repos/acme/app/issues/${n}`, { labels: [], assignees: [], title: 'still editable' })).body).toMatchObject({
        title: 'still editable',
        labels: [{ name: 'bug' }],
        assignees: [{ login: 'ann-gh' }],
      });
      expect(await call('POST', `/repos/acme/app/issues/${n}/labels`, { labels: ['ui'] })).toMatchObject({ status: 200, body: [{ name: 'bug' }] });
      expect(await call('DELETE', `/repos/acme/app/issues/${n}/labels/bug`)).toMatchObject({ status: 200, body: [{ name: 'bug' }] });
      expect(await call('DELETE', `/repos/acme/app/issues/${n}/assignees`, { assignees: ['ann-gh'] })).toMatchObject({ status: 200, body: { assignees: [{ login: 'ann-gh' }] } });
    } finally {
      fake.setPushAccess(true);
    }
  });
});

describe('conditional requests and the body limit', () => {
  it('GET issue sends an ETag and answers a matching If-None-Match with 304, not counted against the rate limit', async () => {
    const n = (await create())['number'];
    const first = await call('GET', `/repos/acme/app/issues/${n}`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const res = await fetch(`${base}/repos/acme/app/issues/${n}`, { headers: { authorization: `token ${fake.token}`, 'if-none-match': etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect(res.headers.get('etag')).toBe(etag);
    expect(res.headers.get('x-ratelimit-remaining')).toBe(first.headers.get('x-ratelimit-remaining'));
    await call('PATCH', `/repos/acme/app/issues/${n}`, { title: 'changed' });
    const changed = await fetch(`${base}/repos/acme/app/issues/${n}`, { headers: { authorization: `token ${fake.token}`, 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('refuses a body over 65,536 characters, counting an emoji as one', async () => {
    expect((await call('POST', '/repos/acme/app/issues', { title: 'x', body: 'a'.repeat(65_537) })).status).toBe(422);
    expect((await call('POST', '/repos/acme/app/issues', { title: 'x', body: '\u{1F41B}'.repeat(65_536) })).status).toBe(201);
  });
});

describe('listing', () => {
  it('pages with a Link header on /repositories/{id}/issues, includes pull requests, filters by state and since', async () => {
    const local = createGithubFake({ repository: 'acme/list' });
    const url = await local.tracker.start();
    try {
      const auth = { authorization: `token ${local.token}`, 'content-type': 'application/json' };
      for (let i = 1; i <= 5; i++) await fetch(`${url}/repos/acme/list/issues`, { method: 'POST', headers: auth, body: JSON.stringify({ title: `i${i}` }) });
      local.addPullRequest('a PR');
      await fetch(`${url}/repos/acme/list/issues/1`, { method: 'PATCH', headers: auth, body: JSON.stringify({ state: 'closed' }) });

      const first = await fetch(`${url}/repos/acme/list/issues?state=all&per_page=4`, { headers: auth });
      const link = first.headers.get('link')!;
      expect(link).toMatch(new RegExp(`<${url}/repositories/\\d+/issues\\?state=all&per_page=4&page=2>; rel="next"`));
      expect(link).toContain('rel="last"');
      expect(((await first.json()) as { number: number }[]).map((i) => i.number)).toEqual([6, 5, 4, 3]);
      const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
      const second = await fetch(next, { headers: auth });
      const page2 = (await second.json()) as { number: number; pull_request?: unknown }[];
      expect(page2.map((i) => i.number)).toEqual([2, 1]);
      expect(second.headers.get('link')).toContain('rel="prev"');

      const open = (await (await fetch(`${url}/repos/acme/list/issues`, { headers: auth })).json()) as { number: number; pull_request?: unknown }[];
      expect(open.map((i) => i.number)).toEqual([6, 5, 4, 3, 2]);
      expect(open[0]!.pull_request).toBeDefined();

      const future = new Date(Date.now() + 10_000).toISOString();
      expect(await (await fetch(`${url}/repos/acme/list/issues?state=all&since=${future}`, { headers: auth })).json()).toEqual([]);
      expect((await fetch(`${url}/repos/acme/list/issues?since=yesterday`, { headers: auth })).status).toBe(422);
      expect((await fetch(`${url}/repos/acme/nope/issues`, { headers: auth })).status).toBe(404);
    } finally {
      await local.tracker.stop();
    }
  });
});

describe('deleted and transferred issues', () => {
  it('answers 410 for a deleted issue', async () => {
    const n = (await create())['number'] as number;
    fake.deleteIssue(n);
    expect(await call('GET', `/repos/acme/app/issues/${n}`)).toMatchObject({ status: 410, body: { message: 'This issue was deleted', status: '410' } });
    expect((await call('PATCH', `/repos/acme/app/issues/${n}`, { title: 'x' })).status).toBe(410);
  });

  it('answers 301 Moved Permanently for a transferred issue, pointing at it in the new repository', async () => {
    const n = (await create({ labels: ['bug'] }))['number'] as number;
    const moved = fake.transferIssue(n, 'acme/other');
    const res = await call('GET', `/repos/acme/app/issues/${n}`);
    expect(res).toMatchObject({ status: 301, body: { message: 'Moved Permanently' } });
    const location = res.headers.get('location')!;
    expect(location).toBe(res.body.url);
    const there = await call('GET', location);
    expect(there.body).toMatchObject({ number: moved['number'], repository_url: `${base}/repos/acme/other` });
    expect((await call('PATCH', `/repos/acme/app/issues/${n}`, { title: 'x' })).status).toBe(301);
  });

  it('answers 404 for an unknown issue or repository', async () => {
    expect(await call('GET', '/repos/acme/app/issues/424242')).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    expect((await call('GET', '/repos/acme/nope/issues/1')).status).toBe(404);
  });
});

describe('search', () => {
  it('finds issues by a quoted phrase in the body, issues only, created since a time, and lags behind creates', async () => {
    const marker = 'defect-sync-0f0f0f0f-1111-4222-8333-944455550123';
    const issue = await create({ title: 'Has the marker', body: `text\n\n<!-- ${marker} -->` });
    fake.addPullRequest('PR quoting it', marker);
    const q = (extra = '') => encodeURIComponent(`repo:acme/app is:issue in:body "${marker}"${extra}`);
    const res = await call('GET', `/search/issues?q=${q()}&sort=created&order=asc`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total_count: 1, incomplete_results: false, items: [{ number: issue['number'], score: expect.any(Number) }] });
    expect((await call('GET', `/search/issues?q=${q(' created:>=2099-01-01T00:00:00Z')}`)).body.total_count).toBe(0);
    fake.search.lagMs = 60_000;
    try {
      expect((await call('GET', `/search/issues?q=${q()}`)).body.total_count).toBe(0);
    } finally {
      fake.search.lagMs = 0;
    }
    expect((await call('GET', '/search/issues')).status).toBe(422);
  });
});
