// Input that used to answer 500 (or store garbage): each must be a 400 naming the field, in the one
// error shape, with nothing stored.
import { describe, expect, it } from 'vitest';
import { testApi, unique } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';

const { prisma, http } = testApi();

async function storeCounts() {
  return [await prisma.defect.count(), await prisma.caseRun.count(), await prisma.statusChange.count(), await prisma.outboxEvent.count()];
}

async function expect400(send: () => PromiseLike<{ status: number; body: any }>, field: string) {
  const before = await storeCounts();
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.message).toContain(field);
  expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  expect(await storeCounts()).toEqual(before);
  return res;
}

const run = { launch: 'nightly', testCase: 'tc', status: 'failed' };

describe('NUL characters (Postgres text cannot hold them)', () => {
  it.each([
    ['title', { title: 'a\u0000b' }],
    ['description', { title: 'ok', description: 'a\u0000' }],
    ['assignee', { title: 'ok', assignee: '\u0000' }],
    ['milestone', { title: 'ok', milestone: 'R\u00001' }],
    ['tags[1]', { title: 'ok', tags: ['ui', 'a\u0000'] }],
  ])('POST /api/defects refuses a NUL in %s', async (field, body) => {
    await expect400(() => http.post('/api/defects').send(body), field);
  });

  it('PATCH refuses a NUL and leaves the defect as it was', async () => {
    const d = await createDefect(http);
    await expect400(() => http.patch(`/api/defects/${d.key}`).send({ description: 'x\u0000' }), 'description');
    expect((await http.get(`/api/defects/${d.key}`)).body.version).toBe(1);
  });

  it.each([
    ['launch', { ...run, launch: 'n\u0000' }],
    ['testCase', { ...run, testCase: '\u0000tc' }],
    ['message', { ...run, message: 'boom\u0000' }],
  ])('POST /api/case-runs refuses a NUL in %s', async (field, body) => {
    await expect400(() => http.post('/api/case-runs').send(body), field);
  });

  it.each(['assignee', 'milestone', 'tag'])('GET /api/defects refuses a NUL in the %s filter', async (param) => {
    await expect400(() => http.get(`/api/defects?${param}=a%00b`), param);
  });

  it('readiness refuses a NUL in the milestone name', async () => {
    await expect400(() => http.get('/api/milestones/a%00b/readiness'), 'name');
  });
});

describe('lone UTF-16 surrogates are refused everywhere, never stored as U+FFFD', () => {
  it.each([
    ['title', { title: 'a\ud800' }],
    ['description', { title: 'ok', description: '\udfff' }],
    ['assignee', { title: 'ok', assignee: 'x\ud83d' }],
    ['milestone', { title: 'ok', milestone: '\ud800R' }],
    ['tags[0]', { title: 'ok', tags: ['\ud800'] }],
  ])('POST /api/defects refuses one in %s', async (field, body) => {
    await expect400(() => http.post('/api/defects').send(body), field);
  });

  it('POST /api/case-runs refuses one in message', async () => {
    await expect400(() => http.post('/api/case-runs').send({ ...run, message: 'bad \ud800' }), 'message');
  });

  it('keeps well-formed text outside the BMP (a surrogate pair) as sent', async () => {
    const d = await createDefect(http, { title: 'crash 💥', tags: ['🐛'] });
    expect((await http.get(`/api/defects/${d.key}`)).body).toMatchObject({ title: 'crash 💥', tags: ['🐛'] });
  });
});

describe('cursor', () => {
  it('refuses a cursor beyond the 32-bit key range', async () => {
    await expect400(() => http.get('/api/defects?cursor=2147483648'), 'cursor');
    await expect400(() => http.get('/api/defects?cursor=9999999999'), 'cursor');
  });

  it('accepts the largest key', async () => {
    expect((await http.get('/api/defects?cursor=2147483647')).status).toBe(200);
  });
});

describe('case run dates', () => {
  it.each(['0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T20:00:00-05:00', '1969-12-31T23:59:59Z'])(
    'refuses %s (outside 1970-9999 in UTC)',
    async (date) => {
      await expect400(() => http.post('/api/case-runs').send({ ...run, startedAt: date }), 'startedAt');
      await expect400(() => http.post('/api/case-runs').send({ ...run, finishedAt: date }), 'finishedAt');
    },
  );

  it.each(['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T20:00:00+05:00'])('accepts %s', async (date) => {
    const res = await http.post('/api/case-runs').send({ ...run, testCase: unique('tc'), finishedAt: date });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.finishedAt).toBe(new Date(date).toISOString());
  });
});

describe('unknown fields', () => {
  it('lists at most 20 of them, then says how many more', async () => {
    const body = { title: 'ok', ...Object.fromEntries(Array.from({ length: 90_000 }, (_, i) => [`k${i}`, 1])) };
    const res = await expect400(() => http.post('/api/defects').send(body), 'k0');
    expect(res.body.error.details.fields).toHaveLength(20);
    expect(res.body.error.details.more).toBe(89_980);
    expect(res.body.error.message).toMatch(/and 89980 more$/);
    expect(JSON.stringify(res.body).length).toBeLessThan(4000);
  });
});

describe('GET /api/milestones/:name/readiness', () => {
  it('answers 404 for a milestone no defect carries, so a typo never reads as ready', async () => {
    await createDefect(http, { milestone: unique('R') });
    const res = await http.get(`/api/milestones/${unique('typo')}/readiness`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', details: { resource: 'milestone' } });
  });
});
