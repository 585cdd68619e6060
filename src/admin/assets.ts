// The dashboard's three static files (src/admin/public), read once: no build step, no framework.
import { readFileSync } from 'node:fs';

const TYPES = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' } as const;
export type AdminAssetName = keyof typeof TYPES;

const cache = new Map<AdminAssetName, string>();

export function adminAsset(name: AdminAssetName): { type: string; body: string } {
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
    cache.set(name, body);
  }
  return { type: TYPES[name], body };
}
