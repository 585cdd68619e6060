// One POST to a hook URL, guarded against SSRF: the name is resolved here, every address it resolves to
// must be public (unless allowed), and the connection is made to the checked address (a lookup pinned to
// it), so a DNS answer that changes between the check and the connect (rebinding) cannot reach another
// address. Redirects are never followed (node:http does not); the whole exchange has a deadline.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPublicAddress } from './addresses.ts';
import { EXCERPT_CHARS, type AttemptResult } from './policy.ts';

export class AddressRefused extends Error {}

/** The address to connect to for `url`'s host: the first it resolves to, once every one of them passes. */
export async function resolveHookAddress(url: URL, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let all: { address: string; family: number }[];
  try {
    all = await lookup(host, { all: true, verbatim: true });
  } catch (err) {
    throw new AddressRefused(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const refused = all.find((a) => !isPublicAddress(a.address));
  if (refused && !allowPrivate) {
    throw new AddressRefused(`${host} resolves to ${refused.address}, a loopback, private, link-local or reserved address (set HOOKS_ALLOW_PRIVATE=true to allow)`);
  }
  return all[0]!;
}

export async function postHook(url: string, headers: Record<string, string>, body: string, opts: { allowPrivate: boolean; timeoutMs: number }): Promise<AttemptResult> {
  const target = new URL(url);
  let pinned: { address: string; family: number };
  try {
    pinned = await resolveHookAddress(target, opts.allowPrivate);
  } catch (err) {
    if (err instanceof AddressRefused) return { error: 'refused', excerpt: err.message };
    throw err;
  }
  const pin: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const req = client.request(
      target,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'defect-sync-hooks' }, lookup: pin, signal },
      (res) => {
        let excerpt = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (excerpt.length < EXCERPT_CHARS) excerpt += chunk;
          else res.destroy(); // enough read: the rest is not kept
        });
        const done = () => resolve({ status: res.statusCode ?? 0, excerpt: excerpt.slice(0, EXCERPT_CHARS) });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (err) => resolve({ error: signal.aborted ? 'timeout' : 'network', excerpt: signal.aborted ? `no answer within ${opts.timeoutMs} ms` : err.message.slice(0, EXCERPT_CHARS) }));
    req.end(body);
  });
}
