// schema.prisma and prisma/migrations must describe the same database: a model change without its
// migration (or a hand-edited migration) fails here, not in production.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPrisma } from '../scripts/prisma-cli.ts';
import { databaseUrl } from './helpers/context.ts';

const diff = (cwd?: string) =>
  runPrisma(
    ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'],
    { env: { DATABASE_URL: databaseUrl }, ...(cwd && { cwd }) },
  );

const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true }))));

describe('schema drift', () => {
  it('finds no difference between schema.prisma and the migrations', async () => {
    const result = await diff();
    expect(result.stdout).toContain('No difference detected');
    expect(result.code).toBe(0);
  });

  it('notices a schema change that has no migration (so the check above can fail)', async () => {
    // Inside the checkout (git-ignored .cache), so the copied prisma.config.ts still resolves 'prisma/config'.
    await mkdir('.cache', { recursive: true });
    const dir = await mkdtemp(join('.cache', 'drift-'));
    scratch.push(dir);
    await cp('prisma', join(dir, 'prisma'), { recursive: true });
    await cp('prisma.config.ts', join(dir, 'prisma.config.ts'));
    const schemaPath = join(dir, 'prisma/schema.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    await writeFile(schemaPath, schema.replace('  milestone      String?\n', '  milestone      String?\n  sprint         String?\n'));
    const result = await diff(dir);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('sprint');
  });
});
