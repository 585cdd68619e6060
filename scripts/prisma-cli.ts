// Runs the Prisma CLI offline: the native schema engine (which Prisma would try to
// download) is replaced by scripts/prisma-schema-engine.mjs, a shim around Prisma's
// WebAssembly schema engine and @prisma/adapter-pg.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Absolute path of the schema-engine shim (executable, `#!/usr/bin/env node`). */
export const SCHEMA_ENGINE_SHIM = fileURLToPath(new URL('./prisma-schema-engine.mjs', import.meta.url));

/** The Prisma CLI entry point (what the `prisma` bin runs). */
export const PRISMA_CLI = require.resolve('prisma/build/index.js');

export interface RunPrismaOptions {
  /** Extra environment, on top of process.env (e.g. DATABASE_URL). */
  env?: Record<string, string>;
  /** Working directory; Prisma looks for prisma.config.ts here. Default: process.cwd(). */
  cwd?: string;
  /** 'pipe' (default) captures stdout/stderr; 'inherit' forwards them (and stdin) to this process. */
  stdio?: 'pipe' | 'inherit';
}

export interface RunPrismaResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment that keeps the Prisma CLI from downloading engines or phoning home. */
export function prismaEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    // Defaults only: anything already set by the caller wins.
    PRISMA_SCHEMA_ENGINE_BINARY: SCHEMA_ENGINE_SHIM,
    // Don't require .sha256 files next to cached/overridden engines.
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
    // No telemetry / update check (network) and no update banner.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    ...process.env,
    ...extra,
  };
  // The shim's `#!/usr/bin/env node` should find this same Node (24), not whatever is first on PATH.
  env.PATH = [dirname(process.execPath), env.PATH].filter(Boolean).join(delimiter);
  return env;
}

/**
 * Run `prisma <args>` with the offline engine setup, e.g.
 * `await runPrisma(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'])`.
 * Resolves with the exit code (never rejects on a non-zero exit).
 */
export function runPrisma(args: string[], opts: RunPrismaOptions = {}): Promise<RunPrismaResult> {
  const stdio = opts.stdio ?? 'pipe';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRISMA_CLI, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      env: prismaEnv(opts.env),
      // Piped mode gets no stdin, so Prisma sees a non-interactive environment instead of hanging on a prompt.
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // Killed by a signal: report it the way shells do (128 + signal number).
      const signalCode = signal ? 128 + (constants.signals[signal] ?? 0) : 1;
      resolve({ code: code ?? signalCode, stdout, stderr });
    });
  });
}
