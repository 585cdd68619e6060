// Small helpers the benchmarks share: percentiles, ratios, HTTP calls, waiting and bounded concurrency.

export const pct = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

export function percentiles(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length };
}

/** "value (×ratio of floor)", the form every figure is printed in. */
export function vsFloor(value: number, floor: number, digits = 1): string {
  return `${value.toFixed(digits)} (${(value / floor).toFixed(2)}× floor ${floor.toFixed(digits)})`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs work(i) for i in [0, n) with at most `concurrency` at once. */
export async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** The machine's load when a benchmark ran, printed beside its figures. */
export async function machine(): Promise<string> {
  const os = await import('node:os');
  const [l1, l5] = os.loadavg();
  return `${os.cpus().length} cores, load ${l1!.toFixed(2)}/${l5!.toFixed(2)} (1/5 min), Node ${process.versions.node}, ${new Date().toISOString().slice(0, 16)}Z`;
}
