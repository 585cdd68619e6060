// The request log line must not carry secrets passed in a query string.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { createLogger, redactUrl } from '../../src/logger.ts';
import { createPrisma } from '../../src/db.ts';
import { databaseUrl } from '../helpers/context.ts';

describe('redactUrl', () => {
  it.each([
    ['/api/defects?api_key=k1&token=t1&tag=ui', '/api/defects?api_key=[redacted]&token=[redacted]&tag=ui'],
    ['/x?Password=a&client_secret=b&sig=c&signature=d&code=e&auth=f&accessToken=g', '/x?Password=[redacted]&client_secret=[redacted]&sig=c&signature=[redacted]&code=[redacted]&auth=[redacted]&accessToken=[redacted]'],
    ['/x?milestone=R1&limit=2', '/x?milestone=R1&limit=2'],
    ['/x', '/x'],
    ['/x?token', '/x?token'],
    ['/x?key=a%20b&key=c', '/x?key=[redacted]&key=[redacted]'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('request log', () => {
  const prisma = createPrisma(databaseUrl);
  afterAll(() => prisma.$disconnect());

  it('redacts secret-looking query values', async () => {
    let captured = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((captured += String(chunk)), done()) });
    const app = createApp({ prisma, log: createLogger('info', 'test', sink) });
    // An unknown parameter is a 400 on /api; the refused request is logged all the same.
    for (const path of ['/healthz', '/api/defects']) {
      await request(app).get(`${path}?api_key=KEY-SHOULD-NOT-APPEAR&token=TOKEN-SHOULD-NOT-APPEAR&limit=1`);
    }
    const urls = captured.trim().split('\n').map((l) => JSON.parse(l).req?.url).filter(Boolean);
    expect(urls).toEqual(['/healthz?api_key=[redacted]&token=[redacted]&limit=1', '/api/defects?api_key=[redacted]&token=[redacted]&limit=1']);
    expect(captured).not.toContain('SHOULD-NOT-APPEAR');
  });
});
