// Dockerfile and docker-compose.yml, checked against the code they package (no Docker engine here:
// `npm run lint` checks their syntax; this file checks that they run what the service really is).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROLES } from '../../src/main.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/node-flags.ts';
import { KNOWN_ENV_VARS } from '../../src/config.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { testApi } from '../helpers/context.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

type Instruction = { keyword: string; args: string };

/** Dockerfile instructions in order: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The exec form ["a", "b"] as an array; the shell form is refused (signals would not reach node). */
const execForm = (args: string): string[] => JSON.parse(args) as string[];

const dockerfile = instructions(read('Dockerfile'));
const stages = dockerfile.reduce<Instruction[][]>((acc, i) => (i.keyword === 'FROM' ? [...acc, [i]] : (acc.at(-1)!.push(i), acc)), []);
const runtime = stages.at(-1)!;
const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1);
const entrypoint = execForm(last('ENTRYPOINT')?.args ?? '[]');
const imageCommand = [...entrypoint, ...execForm(last('CMD')?.args ?? '[]')];
const ENTRY = ['node', 'src/main.ts'];

describe('npm start', () => {
  it('runs the service with its heap bounds and environment (src/node-flags.ts)', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const env = Object.entries(SERVICE_ENV).map(([k, v]) => `${k}=${v}`);
    expect(scripts.start!.split(' ')).toEqual([...env, 'node', ...SERVICE_NODE_FLAGS, 'src/main.ts', 'all']);
  });
});

describe('Dockerfile', () => {
  it("uses node:<major>-slim with the major of package.json's engines, in every stage", () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const major = /(\d+)/.exec(engines)![1];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [from] of stages) expect(from!.args.split(/\s+/)[0]).toBe(`node:${major}-slim`);
  });

  it('runs `node src/main.ts <role>` with a role main.ts knows, by default all', () => {
    expect(imageCommand.slice(0, ENTRY.length)).toEqual(ENTRY);
    expect(ROLES).toContain(imageCommand[ENTRY.length]);
    expect(imageCommand).toEqual([...ENTRY, 'all']);
    expect(entrypoint).toEqual(ENTRY); // so `docker run defect-sync worker` picks the role
  });

  it('runs the service with its heap bounds (src/node-flags.ts) in NODE_OPTIONS, which `docker run -e` can replace', () => {
    const env = runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(/NODE_OPTIONS="([^"]*)"/.exec(env)?.[1]?.split(' ')).toEqual([...SERVICE_NODE_FLAGS]);
    for (const [k, v] of Object.entries(SERVICE_ENV)) expect(env.split(/\s+/)).toContain(`${k}=${v}`);
  });

  it('installs production dependencies only, and runs as a non-root user', () => {
    const installs = dockerfile.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i.args).toMatch(/--omit=dev/);
    const user = last('USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('copies only files that exist, and the generated Prisma client from the build stage', () => {
    for (const copy of dockerfile.filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
    }
    expect(runtime.some((i) => i.keyword === 'COPY' && /--from=\S+.*src\/generated/.test(i.args))).toBe(true);
  });

  it('keeps secrets, dependencies and generated code out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.cache', 'src/generated', '.env']) expect(ignored).toContain(entry);
  });

  describe('HEALTHCHECK', async () => {
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    const command = healthcheck.includes('CMD ') ? execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) : [];
    const { prisma } = testApi();
    const server = createApp({ prisma, log: createLogger('silent') }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    // Asynchronously: the service answering the check runs in this very process.
    const run = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, command.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 10_000 });
        child.once('exit', (code) => resolve(code));
      });

    it('asks /healthz with node (slim has no curl)', () => {
      expect(command[0]).toBe('node');
      expect(command.join(' ')).toContain('/healthz');
    });

    it('passes against a running service on PORT and fails when nothing answers', async () => {
      try {
        expect(await run({ PORT: String(port) })).toBe(0);
      } finally {
        await new Promise((r) => server.close(r));
      }
      expect(await run({ PORT: String(port) })).toBe(1);
    });
  });
});

type Service = {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
};
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const appServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs the migration once, one API and two workers, each as `node src/main.ts <role>`', () => {
    const roles = appServices.map(([name, s]) => {
      const command = [...entrypoint, ...(s.command ?? [])];
      expect(command.slice(0, ENTRY.length), name).toEqual(ENTRY);
      expect(ROLES, name).toContain(command[ENTRY.length]);
      return [command[ENTRY.length], s.deploy?.replicas ?? 1];
    });
    expect(Object.fromEntries(roles)).toEqual({ migrate: 1, api: 1, worker: 2 });
  });

  it('sets for the app only variables src/config.ts knows', () => {
    for (const [name, s] of appServices) {
      for (const variable of Object.keys(s.environment ?? {})) expect(KNOWN_ENV_VARS, `${name}: ${variable}`).toContain(variable);
    }
    // Tracker settings pass through from the host, empty (= unset) when the host has none.
    const api = compose.services.api!.environment!;
    for (const variable of KNOWN_ENV_VARS.filter((v) => /^(GITHUB|JIRA|ASANA)_/.test(v))) expect(api[variable]).toBe(`\${${variable}:-}`);
    expect(compose.services.worker!.environment).toEqual(api);
  });

  it('starts the app after Postgres and Redis are healthy and the migration has finished', () => {
    for (const service of ['postgres', 'redis']) expect(compose.services[service]!.healthcheck?.test?.length).toBeGreaterThan(0);
    expect(compose.services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const service of ['api', 'worker']) {
      expect(compose.services[service]!.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    // The API keeps the image's /healthz check; roles without HTTP switch it off.
    expect(compose.services.api!.healthcheck).toBeUndefined();
    expect(compose.services.worker!.healthcheck).toEqual({ disable: true });
  });
});
