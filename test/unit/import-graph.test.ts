// The shape of the code, checked: no import circles among our own modules (type-only imports count:
// they tie the files together just the same), and the lower floors never import the higher ones.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const files = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === 'src/generated' ? [] : files(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });

const all = [...files('src'), ...files('connectors')];
const graph = new Map(
  all.map((f) => {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g)]
      .map((m) => relative(ROOT, resolve(dirname(join(ROOT, f)), m[1] ?? m[2]!)))
      .filter((t) => all.includes(t));
    return [f, targets];
  }),
);

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of all) if (!state.has(f)) visit(f);
  return found;
}

describe('the import graph', () => {
  it('reads our modules', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(graph.get('src/sync/engine.ts')).toContain('src/metrics.ts');
  });

  it('has no circles', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps sync, store, domain and connectors below the HTTP and admin layers', () => {
    const low = all.filter((f) => /^(src\/(sync|store|domain|outbox|inbound|hooks)|connectors)\//.test(f));
    const upward = low.flatMap((f) => graph.get(f)!.filter((t) => /^src\/(http|admin)\//.test(t)).map((t) => `${f} → ${t}`));
    expect(upward).toEqual([]);
    const intoSrc = all.filter((f) => f.startsWith('connectors/')).flatMap((f) => graph.get(f)!.filter((t) => /^src\/(sync|store|http|admin|outbox|inbound)\//.test(t)).map((t) => `${f} → ${t}`));
    expect(intoSrc).toEqual([]);
  });
});
