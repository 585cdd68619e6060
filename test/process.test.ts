// The entry point as an operator runs it: subcommands, configuration errors, start-up and SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, queuePrefix, redisUrl, testApi } from './helpers/context.ts';
import { markEarlierChangesHandled } from './helpers/service.ts';

const { prisma } = testApi();
// Earlier files' live links name their own fakes under the same connection names (see markEarlierChangesHandled).
beforeAll(() => markEarlierChangesHandled(prisma));
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const ROOT = new URL('..', import.meta.url).pathname;
const children: ReturnType<typeof spawn>[] = [];
// A failed assertion must not leave a service running that would steal later files' outbox rows.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: string[], env: Record<string, string> = {}, opts: { cwd?: string; script?: string } = {}) {
  const child = spawn(process.execPath, [opts.script ?? MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd && { cwd: opts.cwd }),
  });
  children.push(child);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return; // the demo prints its tour as text
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
    // No API_TOKEN: one warning at start that only local clients are served.
    expect(p.logs.filter((l) => String(l.msg).startsWith('API_TOKEN is not set'))).toHaveLength(1);
    const all = JSON.stringify(p.logs);
    expect(all).not.toContain('should-not-be-logged');
    expect(all).not.toContain('a-secret-admin-token-value');
  });

  it('loads .env from the working directory, the real environment taking precedence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-dotenv-'));
    // PORT in the file would break start-up if it won over the environment's PORT=0.
    writeFileSync(join(dir, '.env'), 'API_TOKEN=token-from-dotenv-0123456789\nPORT=not-a-port\n');
    const p = start(['api'], {}, { cwd: dir });
    const { port } = await p.logged('API listening');
    expect((await fetch(`http://127.0.0.1:${port}/api/defects`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/api/defects`, { headers: { authorization: 'Bearer token-from-dotenv-0123456789' } });
    expect(ok.status).toBe(200);
    expect(p.logs.some((l) => String(l.msg).startsWith('API_TOKEN is not set'))).toBe(false);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect(JSON.stringify(p.logs)).not.toContain('token-from-dotenv');
  });

  it('names the port and the PORT variable when the port is taken', async () => {
    const blocker = createServer().listen(0);
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const p = start(['api'], { PORT: String(taken) });
      expect((await p.exited).code).toBe(1);
      expect(p.stderr()).toContain(`port ${taken} is already in use; set PORT to a free port`);
      expect(p.stderr()).not.toContain('    at ');
    } finally {
      blocker.close();
    }
  });

  it("names DEMO_PORTS when a demo tracker's port is taken", async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const p = start(['--once'], { DEMO_PORTS: `${taken},0,0`, PORT: '0' }, { script: join(ROOT, 'scripts/demo.ts') });
      expect((await p.exited).code).toBe(1);
      expect(p.stderr()).toContain(`port ${taken} is already in use`);
      expect(p.stderr()).toContain('DEMO_PORTS');
    } finally {
      blocker.close();
    }
  });
});

describe('on a Node older than 24', () => {
  // This machine's /usr/bin/node is older (the project fetches Node 24 through scripts/node24.sh).
  const OLD_NODE = '/usr/bin/node';
  const oldMajor = Number(spawnSync(OLD_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout);

  it('npm start stops at once, naming Node 24 and scripts/run.sh', () => {
    expect(oldMajor, `${OLD_NODE} must be older than Node 24 for this test`).toBeLessThan(24);
    const res = spawnSync('/usr/bin/npm', ['start'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('Defect Sync needs Node 24');
    expect(res.stderr).toContain('scripts/run.sh');
    expect(res.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('the check passes on Node 24', () => {
    expect(spawnSync(process.execPath, [join(ROOT, 'scripts/check-node.mjs')]).status).toBe(0);
  });
});

describe('npm run retarget', () => {
  const env = { GITHUB_TOKEN: 'ghp_retarget_test', GITHUB_REPOSITORY: 'acme/retarget-test' };
  it("records a connection's configured target and exits 0; a connection not configured exits 2 naming it", async () => {
    const ok = spawnSync(process.execPath, [MAIN, 'retarget', 'github'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, LOG_LEVEL: 'warn', ...env } });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('recorded the configured targets of github');
    expect((await prisma.connection.findUniqueOrThrow({ where: { name: 'github' } })).targetKey).toBe('https://api.github.com/repos/acme/retarget-test');
    const bad = spawnSync(process.execPath, [MAIN, 'retarget', 'gitlab'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ...env } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('retarget: name configured connections (not configured: gitlab; configured: github)');
    expect(bad.stderr + bad.stdout).not.toContain('ghp_retarget_test');
  });
});

describe('npm run webhooks', () => {
  /** The script with only these variables (and PATH, the run's database, a public URL). */
  const webhooks = (env: Record<string, string>) =>
    spawnSync(process.execPath, [new URL('../scripts/webhooks.ts', import.meta.url).pathname], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://sync.example.com', ...env },
    });

  it('prints the GitHub and Jira webhook set-up with the service URL and says which secrets are missing', () => {
    const res = webhooks({
      GITHUB_TOKEN: 'ghp_process_test',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_WEBHOOK_SECRET: 'github-secret-0123456789',
      JIRA_BASE_URL: 'https://acme.atlassian.net',
      JIRA_EMAIL: 'qa.bot@example.com',
      JIRA_API_TOKEN: 'jira-process-test',
      JIRA_PROJECT_KEY: 'QA',
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('Payload URL:  https://sync.example.com/webhooks/github');
    expect(res.stdout).toContain('GITHUB_WEBHOOK_SECRET is set');
    expect(res.stdout).toContain('URL:          https://sync.example.com/webhooks/jira');
    expect(res.stdout).toContain('JQL filter:   project = QA');
    expect(res.stdout).toContain('GitHub connection github (acme/shop)');
    expect(res.stdout).toContain('JIRA_WEBHOOK_SECRET is NOT set: the route stays closed');
    expect(res.stdout).not.toContain('github-secret-0123456789');
  });

  it("prints each SYNC_CONFIG connection's own URL and where its secret is set", () => {
    const dir = mkdtempSync(join(tmpdir(), 'defect-sync-webhooks-'));
    const file = join(dir, 'sync.yaml');
    writeFileSync(
      file,
      [
        'connections:',
        '  shop-github: { kind: github, repository: acme/shop, token: "${SHOP_TOKEN}", webhookSecret: "${SHOP_HOOK}" }',
        '  mobile-github: { kind: github, repository: acme/mobile, token: "${SHOP_TOKEN}" }',
        '  qa-jira: { kind: jira, baseUrl: "https://acme.atlassian.net", email: qa.bot@example.com, apiToken: x, project: QA }',
      ].join('\n'),
    );
    const res = webhooks({ SYNC_CONFIG: file, SHOP_TOKEN: 'ghp_webhooks_test', SHOP_HOOK: 'shop-hook-secret-0123456789' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('GitHub connection shop-github (acme/shop)');
    expect(res.stdout).toContain('Payload URL:  https://sync.example.com/webhooks/github/shop-github');
    expect(res.stdout).toContain('SYNC_CONFIG connections.shop-github.webhookSecret is set');
    expect(res.stdout).toContain('Payload URL:  https://sync.example.com/webhooks/github/mobile-github');
    expect(res.stdout).toContain('SYNC_CONFIG connections.mobile-github.webhookSecret is NOT set: the route stays closed');
    expect(res.stdout).toContain('URL:          https://sync.example.com/webhooks/jira/qa-jira');
    expect(res.stdout).not.toContain('shop-hook-secret-0123456789');
    expect(res.stdout).not.toContain('ghp_webhooks_test');
  });
});
