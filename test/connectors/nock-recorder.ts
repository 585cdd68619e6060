// nock for a connector's exact HTTP: replies that record the request they answer (nock 15 hands reply
// functions a fetch Request), no real network in a test, and a test fails when an expected request never
// came. Shared by the nock test files that look at several trackers' requests.
import nock from 'nock';
import { afterEach, beforeEach, expect } from 'vitest';

export type Seen = { method: string; path: string; headers: Record<string, unknown>; body: unknown };

/** Registers the per-test set-up and check; `seen` holds this test's answered requests, in order. */
export function recordRequests() {
  const seen: Seen[] = [];
  beforeEach(() => {
    seen.length = 0;
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });
  /** A reply of `status`, `body` and `headers` that records the request. */
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => async (req: Request) => {
    const url = new URL(req.url);
    const text = await req.text();
    seen.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body: text ? JSON.parse(text) : undefined });
    return [status, body as string | Record<string, unknown>, headers] as const;
  };
  /** "METHOD /path?query" of each answered request, the query decoded. */
  const calls = () => seen.map((s) => `${s.method} ${decodeURIComponent(s.path)}`);
  return { seen, answer, calls };
}
