// Request ids: the caller's X-Request-Id when sane, else a generated one; in the response and the log line.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createPrisma } from '../../src/db.ts';
import { databaseUrl } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
afterAll(() => prisma.$disconnect());
let logged = '';
const sink = new Writable({ write: (chunk, _enc, done) => ((logged += String(chunk)), done()) });
const http = request(createApp({ prisma, log: createLogger('info', 'test', sink), apiTokens: ['an-api-token-0123456789'] }));

/** The request log line (pino-http's "request completed"/"errored") whose id is `id`. */
function logLineOf(id: string): { req: { id: string; url: string }; res: { statusCode: number } } | undefined {
  return logged.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.req?.id === id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('X-Request-Id', () => {
  it.each(['abc-123', 'trace.ID_42', 'x'.repeat(128)])('honours a sane incoming id (%s) in the response and the log line', async (id) => {
    const res = await http.get('/healthz').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toBe(id);
    expect(logLineOf(id)).toMatchObject({ req: { id, url: '/healthz' }, res: { statusCode: 200 } });
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['spaces', 'a b'],
    ['a log-forging attempt', 'id","level":60,"x":"'],
    ['markup', '<script>'],
    ['a slash', 'a/b'],
  ])('replaces an id with %s by a generated UUID', async (_what, id) => {
    const res = await http.get('/healthz').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(logLineOf(res.headers['x-request-id'] as string)).toBeDefined();
    expect(logged).not.toContain(id);
  });

  it('generates a different id for every request without one, errors included', async () => {
    const a = await http.get('/healthz');
    const b = await http.get('/no/such/route');
    const c = await http.get('/api/defects'); // no token: 401 before anything else runs
    const ids = [a, b, c].map((r) => r.headers['x-request-id'] as string);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
    expect(logLineOf(ids[1]!)?.res.statusCode).toBe(404);
    expect(logLineOf(ids[2]!)?.res.statusCode).toBe(401);
  });
});
