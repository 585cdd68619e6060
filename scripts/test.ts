// `npm test`: the whole suite as TEST_SHARDS vitest processes at once (default 2, one per core of the
// machines it runs on), each a shard of the test files (`vitest run --shard=i/n`). Each process has a
// database and a queue prefix of its own (test/helpers/global-setup.ts), so shards never see each other's
// rows or jobs; inside a shard files still run one at a time, as they share that database. Lines are
// printed as they come, each prefixed with its shard; the exit code is the first failing shard's.
// With arguments (`npm test -- test/unit`), one vitest process runs just those, as plain `vitest run`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const shards = args.length ? 1 : Math.max(1, Number(process.env.TEST_SHARDS ?? 2) || 1);

function run(shard: number): Promise<number> {
  const flags = shards > 1 ? ['run', `--shard=${shard}/${shards}`] : ['run', ...args];
  const child = spawn(process.execPath, [vitest, ...flags], { stdio: shards > 1 ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env });
  if (shards > 1) {
    const tag = `[${shard}/${shards}] `;
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${tag}${line}\n`));
  }
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const started = Date.now();
const codes = await Promise.all(Array.from({ length: shards }, (_, i) => run(i + 1)));
if (shards > 1) {
  const failed = codes.map((c, i) => (c ? `${i + 1}/${shards}` : '')).filter(Boolean);
  console.log(`\n${shards} shards in ${((Date.now() - started) / 1000).toFixed(0)} s: ${failed.length ? `failed: ${failed.join(', ')}` : 'all passed'}`);
}
process.exit(codes.find((c) => c !== 0) ?? 0);
