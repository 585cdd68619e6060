// The fake Asana itself, over raw HTTP: it must refuse what the real API refuses, so connector bugs show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsanaFake } from '../../../fakes/asana/server.ts';

const TOKEN = 'fake-pat-0001';
const fake = createAsanaFake({ token: TOKEN });

async function api(method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${fake.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json; charset=UTF-8' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function create(data: Record<string, unknown>, query = '') {
  return api('POST', `/tasks${query}`, { data: { projects: [fake.project.gid], ...data } });
}

beforeAll(() => fake.tracker.start());
afterAll(() => fake.tracker.stop());

describe('fake Asana', () => {
  it('answers a wrong or missing token with Asana’s 401 body', async () => {
    const res = await api('GET', '/tasks?project=1', undefined, 'wrong');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not Authorized', help: expect.stringContaining('errors') }] });
    const none = await fetch(`${fake.apiUrl}/tasks/1`);
    expect(none.status).toBe(401);
  });

  it('creates with 201, a Location header and the opt_fields asked for', async () => {
    const res = await create({ name: 'A', notes: 'n', assignee: 'me' }, '?opt_fields=name,assignee,permalink_url');
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/1.0/tasks/${res.body.data.gid}`);
    expect(res.body.data).toEqual({
      gid: expect.stringMatching(/^\d+$/),
      name: 'A',
      assignee: { gid: fake.users()[0]!.gid, resource_type: 'user' },
      permalink_url: `https://app.asana.com/1/${fake.workspaceGid}/project/${fake.project.gid}/task/${res.body.data.gid}`,
    });
  });

  it('returns the compact record without opt_fields', async () => {
    const { body } = await create({ name: 'B' });
    expect(body.data).toEqual({ gid: body.data.gid, resource_type: 'task', name: 'B', resource_subtype: 'default_task' });
    const got = await api('GET', `/tasks/${body.data.gid}`);
    expect(Object.keys(got.body.data).sort()).toEqual(['gid', 'name', 'resource_subtype', 'resource_type']);
  });

  it('accepts an assignee by email, refuses unknown users, projects, fields and options', async () => {
    expect((await create({ assignee: fake.users()[1]!.email.toUpperCase() }, '?opt_fields=assignee')).body.data.assignee.gid).toBe(fake.users()[1]!.gid);
    const field = fake.severityField();
    const refusals = [
      await create({ assignee: '4242' }),
      await create({ assignee: 'nobody@example.com' }),
      await api('POST', '/tasks', { data: { projects: ['4242'] } }),
      await api('POST', '/tasks', { data: { name: 'no container' } }),
      await create({ custom_fields: { '4242': field.options.high } }),
      await create({ custom_fields: { [field.gid]: '4242' } }),
      await create({ completed: 'yes' }),
      await create({ title: 'not an Asana field' }),
      await api('POST', '/tasks', { name: 'no data envelope' }),
      await api('GET', `/tasks?project=${fake.project.gid}&opt_fields=permalink`),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(400);
      expect(r.body.errors[0].message).toEqual(expect.any(String));
    }
  });

  it('updates all or nothing, bumps modified_at, and refuses create-only fields', async () => {
    const { body } = await create({ name: 'C' }, '?opt_fields=modified_at');
    const gid = body.data.gid as string;
    const refused = await api('PUT', `/tasks/${gid}`, { data: { name: 'changed', assignee: 'nobody@example.com' } });
    expect(refused.status).toBe(400);
    expect(fake.task(gid)!['name']).toBe('C');
    expect((await api('PUT', `/tasks/${gid}`, { data: { projects: ['1'] } })).status).toBe(400);
    const ok = await api('PUT', `/tasks/${gid}`, { data: { completed: true } }, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.body.data.completed).toBe(true);
    expect(ok.body.data.completed_at).toEqual(expect.any(String));
    expect(Date.parse(ok.body.data.modified_at)).toBeGreaterThan(Date.parse(body.data.modified_at));
  });

  it('answers 404 "Unknown object" for a deleted task', async () => {
    const { body } = await create({ name: 'D' });
    fake.deleteTask(body.data.gid);
    for (const [method, data] of [['GET', undefined], ['PUT', { data: { name: 'x' } }]] as const) {
      const res = await api(method, `/tasks/${body.data.gid}?opt_fields=name`, data);
      expect(res.status).toBe(404);
      expect(res.body.errors[0].message).toBe(`Unknown object: ${body.data.gid}`);
    }
  });

  it('pages a project’s tasks with next_page { offset, path, uri }, only when limit is given', async () => {
    const project = fake.addProject('Paged');
    const since = new Date().toISOString();
    const gids = [1, 2, 3].map((i) => fake.addTask({ name: `p${i}`, projectGid: project.gid }).gid);
    const first = await api('GET', `/tasks?project=${project.gid}&modified_since=${since}&limit=2&opt_fields=name`);
    expect(first.body.data.map((t: { gid: string }) => t.gid)).toEqual(gids.slice(0, 2));
    const next = first.body.next_page;
    expect(next).toEqual({ offset: expect.any(String), path: expect.stringContaining(`offset=${next.offset}`), uri: expect.stringContaining('/api/1.0/tasks?') });
    const second = await api('GET', `/tasks?project=${project.gid}&modified_since=${since}&limit=2&opt_fields=name&offset=${next.offset}`);
    expect(second.body).toEqual({ data: [{ gid: gids[2], name: 'p3' }], next_page: null });
    const unpaged = await api('GET', `/tasks?project=${project.gid}`);
    expect(unpaged.body.data).toHaveLength(3);
    expect(unpaged.body).not.toHaveProperty('next_page');
    const later = await api('GET', `/tasks?project=${project.gid}&modified_since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(later.body.data).toEqual([]);
    expect((await api('GET', `/tasks?project=${project.gid}&limit=101`)).status).toBe(400);
    expect((await api('GET', `/tasks?project=${project.gid}&limit=2&offset=garbage`)).status).toBe(400);
    expect((await api('GET', '/tasks')).status).toBe(400);
  });

  it('lists a project’s tasks in project order, whatever their modified times, and pages on from a moved task', async () => {
    const project = fake.addProject('Ordered');
    const since = new Date().toISOString();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => fake.addTask({ name, projectGid: project.gid }).gid);
    fake.editTask(a!, { name: 'a, edited last' });
    const names = async (query: string) =>
      (await api('GET', `/tasks?project=${project.gid}&modified_since=${since}&opt_fields=name${query}`)).body.data.map((t: { name: string }) => t.name);
    expect(await names('')).toEqual(['a, edited last', 'b', 'c']);
    project.tasks = [c!, a!, b!]; // a person reorders the list
    expect(await names('')).toEqual(['c', 'a, edited last', 'b']);
    const first = await api('GET', `/tasks?project=${project.gid}&modified_since=${since}&limit=1&opt_fields=name`);
    expect(await names(`&limit=2&offset=${first.body.next_page.offset}`)).toEqual(['a, edited last', 'b']);
  });

  it('injects Asana’s 429 with Retry-After', async () => {
    fake.rateLimit(5, { route: 'ticket.get' });
    const res = await api('GET', '/tasks/1');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body.errors[0].message).toMatch(/too many requests/);
  });
});
