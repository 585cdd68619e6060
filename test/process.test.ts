// The entry point as an operator runs it: subcommands, configuration errors, start-up and SIGTERM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl, testApi } from './helpers/context.ts';

const { prisma } = testApi();
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const children: ReturnType<typeof spawn>[] = [];
// A failed assertion must not leave a service running that would steal later files' outbox rows.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    logs.push(entry);
    for (const w of waiters.filter((w) => w.msg === entry.msg)) w.resolve(entry);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = logs.find((l) => l.msg === msg);
      if (seen) resolve(seen);
      else waiters.push({ msg, resolve });
    });
  return { child, logs, exited, logged, stderr: () => stderr };
}

describe('node src/main.ts', () => {
  it('refuses an unknown subcommand, naming the valid ones', async () => {
    const p = start(['serve']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toContain('all, api, worker, migrate');
  });

  it('stops at start with one line per configuration problem', async () => {
    const p = start(['api'], { PORT: 'eighty', REDIS_URL: 'localhost:6379' });
    expect((await p.exited).code).toBe(2);
    const lines = p.stderr().trim().split('\n');
    expect(lines).toEqual(['Invalid configuration:', expect.any(String), expect.any(String)]);
    expect(lines).toContain('  - PORT: must be a port number');
    expect(lines).toContain('  - REDIS_URL: must be a redis:// or rediss:// URL');
  });

  it('stops at start when the SYNC_CONFIG file is wrong, naming each bad value', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ds-proc-')), 'sync.yaml');
    writeFileSync(file, 'fields:\n  title: sideways\npeople:\n  - email: not-an-email\ngithub:\n  colour: red\n');
    const p = start(['api'], { SYNC_CONFIG: file });
    expect((await p.exited).code).toBe(2);
    const out = p.stderr();
    expect(out).toContain('fields.title: must be one of both, outbound, inbound, off');
    expect(out).toContain('people.0.email: must be an email address');
    expect(out).toContain('github.colour: is not a known setting');
  });

  it('runs API and relay in one process, handles a request, and shuts down cleanly on SIGTERM', async () => {
    const p = start(['all'], { ADMIN_TOKEN: 'a-secret-admin-token-value' });
    const { port } = await p.logged('API listening');
    await p.logged('sync worker running');
    const res = await fetch(`http://127.0.0.1:${port}/api/defects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer should-not-be-logged' },
      body: JSON.stringify({ title: 'from the process test' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    // No tracker is configured, so the relay marks the change handled.
    for (let i = 0; i < 200 && !(await prisma.outboxEvent.findFirst({ where: { defectId: id, publishedAt: { not: null } } })); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await prisma.outboxEvent.findFirst({ where: { defectId: id } })).toMatchObject({ publishedAt: expect.any(Date) });

    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['request completed', 'shutting down', 'stopped']));
    const all = JSON.stringify(p.logs);
    expect(all).not.toContain('should-not-be-logged');
    expect(all).not.toContain('a-secret-admin-token-value');
  });
});
