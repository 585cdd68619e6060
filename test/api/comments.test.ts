import { describe, expect, it } from 'vitest';
import { testApi } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';

const { prisma, http } = testApi();

const outboxOf = (defectId: string) => prisma.outboxEvent.findMany({ where: { defectId, kind: 'defect.commented' }, orderBy: { id: 'asc' } });

describe('defect comments API', () => {
  it('adds a comment authored by the X-Actor, with an outbox row, and lists it', async () => {
    const d = await createDefect(http, { title: 'Comments 1' });
    const res = await http.post(`/api/defects/${d.key}/comments`).set('X-Actor', 'Ana').send({ body: 'Which **browser**?' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ body: 'Which **browser**?', author: { name: 'Ana', tracker: null, connection: null }, version: 1, defectId: d.id });
    expect(res.headers.location).toBe(`/api/defects/${d.key}/comments/${res.body.id}`);
    const outbox = await outboxOf(d.id);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload).toMatchObject({ actor: 'Ana', commentId: res.body.id, fields: ['comments'] });
    const list = await http.get(`/api/defects/${d.id}/comments`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ data: [res.body], nextCursor: null });
  });

  it('takes an explicit author, else "api"', async () => {
    const d = await createDefect(http, { title: 'Comments 2' });
    const a = await http.post(`/api/defects/${d.key}/comments`).set('X-Actor', 'Ana').send({ body: 'x', author: 'Bob Builder' });
    expect(a.body.author.name).toBe('Bob Builder');
    const b = await http.post(`/api/defects/${d.key}/comments`).send({ body: 'y' });
    expect(b.body.author.name).toBe('api');
  });

  it('pages oldest first with a cursor', async () => {
    const d = await createDefect(http, { title: 'Comments paged' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await http.post(`/api/defects/${d.key}/comments`).send({ body: `c${i}` })).body.id);
    const first = await http.get(`/api/defects/${d.key}/comments?limit=2`);
    expect(first.body.data.map((c: { body: string }) => c.body)).toEqual(['c0', 'c1']);
    const second = await http.get(`/api/defects/${d.key}/comments?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((c: { body: string }) => c.body)).toEqual(['c2', 'c3']);
    const third = await http.get(`/api/defects/${d.key}/comments?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toMatchObject({ data: [{ body: 'c4' }], nextCursor: null });
    expect((await http.get(`/api/defects/${d.key}/comments?cursor=nonsense`)).status).toBe(400);
  });

  it('edits and deletes, each with an outbox row; a deleted comment is gone from the list and 404 after', async () => {
    const d = await createDefect(http, { title: 'Comments edit' });
    const c = (await http.post(`/api/defects/${d.key}/comments`).send({ body: 'first' })).body;
    const e = await http.patch(`/api/defects/${d.key}/comments/${c.id}`).send({ body: 'second' });
    expect(e.status).toBe(200);
    expect(e.body).toMatchObject({ body: 'second', version: 2 });
    const same = await http.patch(`/api/defects/${d.key}/comments/${c.id}`).send({ body: 'second' });
    expect(same.body.version).toBe(2);
    expect((await http.delete(`/api/defects/${d.key}/comments/${c.id}`)).status).toBe(204);
    expect((await http.get(`/api/defects/${d.key}/comments`)).body.data).toEqual([]);
    expect((await http.delete(`/api/defects/${d.key}/comments/${c.id}`)).status).toBe(404);
    expect((await http.patch(`/api/defects/${d.key}/comments/${c.id}`).send({ body: 'x' })).status).toBe(404);
    expect(await outboxOf(d.id)).toHaveLength(3);
    const row = await prisma.comment.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.deletedAt).not.toBeNull();
  });

  it('refuses bad bodies with a 400 naming the field', async () => {
    const d = await createDefect(http, { title: 'Comments bad' });
    const cases: unknown[] = [{}, { body: '' }, { body: '   ' }, { body: 'a\u0000b' }, { body: 'a\ud800b' }, { body: 'x'.repeat(65_537) }, { body: 'ok', extra: 1 }, { body: 'ok', author: '' }];
    for (const input of cases) {
      const res = await http.post(`/api/defects/${d.key}/comments`).send(input as object);
      expect(res.status, JSON.stringify(input).slice(0, 50)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const res = await http.post(`/api/defects/${d.key}/comments`).send({ body: 'a\u0000b' });
    expect(res.body.error.message).toMatch(/body/);
    expect((await http.post(`/api/defects/${d.key}/comments`).send({ body: 'x'.repeat(65_536) })).status).toBe(201);
    expect(await prisma.comment.count({ where: { defectId: d.id } })).toBe(1);
  });

  it('404s for an unknown defect or a comment of another defect', async () => {
    expect((await http.get('/api/defects/DEF-999999/comments')).status).toBe(404);
    const a = await createDefect(http, { title: 'A' });
    const b = await createDefect(http, { title: 'B' });
    const c = (await http.post(`/api/defects/${a.key}/comments`).send({ body: 'on A' })).body;
    expect((await http.patch(`/api/defects/${b.key}/comments/${c.id}`).send({ body: 'x' })).status).toBe(404);
    expect((await http.delete(`/api/defects/${b.key}/comments/not-a-uuid`)).status).toBe(404);
  });
});
