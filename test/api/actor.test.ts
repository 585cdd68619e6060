// X-Actor names who made a change in the status history: decoded as UTF-8, the service's own names reserved.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';

const { prisma, http } = testApi();
/** The exact bytes a client such as curl puts on the wire for a UTF-8 name, as a latin1 (one char per byte) string. */
const utf8Bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

// fetch writes header values byte for byte (latin1), as curl does; supertest would re-encode them.
let base = '';
beforeAll(async () => {
  const server = createApp({ prisma, log: createLogger('silent') }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  afterAll(() => new Promise((r) => server.close(r)));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
async function createAs(actor: string) {
  const res = await fetch(`${base}/api/defects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-actor': actor },
    body: JSON.stringify({ title: 'actor test' }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('X-Actor', () => {
  it('stores a UTF-8 name as the person wrote it', async () => {
    const res = await createAs(utf8Bytes('user:usér 😀'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.history[0].actor).toBe('user:usér 😀');
  });

  it.each(['verification', 'Verification', ' verification ', 'tracker:jira', 'tracker:github', 'TRACKER:asana', 'system', 'system:reconciler'])(
    'refuses the reserved name %j with 400 naming X-Actor, storing nothing',
    async (actor) => {
      const d = await createDefect(http);
      const before = await prisma.statusChange.count();
      const res = await http.patch(`/api/defects/${d.key}`).set('X-Actor', actor).send({ status: 'in_progress' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { fields: [{ field: 'X-Actor' }] } });
      expect(res.body.error.message).toContain('X-Actor');
      expect(await prisma.statusChange.count()).toBe(before);
      expect((await http.get(`/api/defects/${d.key}`)).body.version).toBe(1);
    },
  );

  it.each([
    ['a zero-width space', 'verification\u200b'],
    ['a soft hyphen', 'verifi\u00adcation'],
    ['fullwidth letters', '\uff53\uff59\uff53\uff54\uff45\uff4d'],
    ['a word joiner in the prefix', 'tracker\u2060:github'],
  ])('refuses a look-alike of a reserved name with %s (400 naming X-Actor)', async (_what, actor) => {
    const before = await prisma.defect.count();
    const res = await createAs(utf8Bytes(actor));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('X-Actor');
    expect(res.body.error.message).toMatch(/reserved/);
    expect(await prisma.defect.count()).toBe(before);
  });

  it.each([
    ['invalid UTF-8', '\xff\xfe'],
    ['a latin1 byte that is not UTF-8', 'us\xe9r'],
    ['a control character', 'user:\tann'],
    ['over 200 characters', `user:${'a'.repeat(200)}`],
  ])('refuses %s with 400 naming X-Actor', async (_what, actor) => {
    const before = await prisma.defect.count();
    const res = await createAs(actor);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('X-Actor');
    expect(await prisma.defect.count()).toBe(before);
  });

  it('defaults to api, and keeps ordinary names', async () => {
    expect((await createDefect(http)).history[0].actor).toBe('api');
    const res = await createAs('user:systems-team');
    expect(res.body.history[0].actor).toBe('user:systems-team');
  });
});
