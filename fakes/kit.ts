// The shared machinery of the local fake trackers (fakes/<tracker>/server.ts): an HTTP server on
// 127.0.0.1 with a route table, a log of every call, and faults a test can inject (a status such as
// 500 or 429 with its headers, for the next n calls of a route) plus latency. Each fake supplies the
// routes and the error bodies of its real API; this file knows nothing about any tracker.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export type FakeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  rawBody: string;
};

export type FakeResponse = { status: number; body?: unknown; headers?: Record<string, string> };

export type Route = {
  /** A short name tests count calls by, e.g. 'issues.create'. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path pattern with :params, e.g. '/repos/:owner/:repo/issues/:number'. */
  path: string;
  handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;
};

export type Fault = {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching calls fail (default 1). */
  times?: number;
  /** Only calls of this route name (default: any route). */
  route?: string;
};

export type Call = { route: string; method: string; path: string; status: number; at: number; body: unknown };

export type FakeOptions = {
  name: string;
  routes: Route[];
  /** Checks credentials; returns the tracker's own 401 response when they are wrong. */
  authenticate: (req: FakeRequest) => FakeResponse | null;
  /** The tracker's error body for a status (used for injected faults without a body, and 404 routes). */
  errorBody: (status: number, message: string) => unknown;
};

type Compiled = Route & { regex: RegExp; keys: string[] };

export class FakeTracker {
  readonly name: string;
  readonly calls: Call[] = [];
  /** Emits 'change' (routeName, result body, request) after every successful write, for webhook senders. */
  readonly events = new EventEmitter();
  /** Added to every response. */
  latencyMs = 0;
  private readonly slowCalls: { route: string; ms: number; times: number }[] = [];
  /** Called before each call's route runs: a test's way to change the tracker between two requests. */
  beforeHandle: ((route: string, req: FakeRequest) => void) | undefined;
  private readonly routes: Compiled[];
  private readonly faults: Fault[] = [];
  private readonly opts: FakeOptions;
  private server: Server | undefined;
  private url = '';

  constructor(opts: FakeOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.routes = opts.routes.map((r) => {
      const keys: string[] = [];
      const source = r.path.replace(/:([A-Za-z_]+)/g, (_m, k: string) => {
        keys.push(k);
        return '([^/]+)';
      });
      return { ...r, regex: new RegExp(`^${source}/?$`), keys };
    });
  }

  /** Starts listening on 127.0.0.1 (port 0: any free port); returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    // Node's default (5 s), as a real API keeps connections: fetch (undici) and Node's agent drop a
    // connection whose keep-alive hint leaves them under a second or two, so a shorter timeout here made
    // every SDK call open a new connection, a cost real trackers do not impose.
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  get baseUrl(): string {
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * Makes the next `times` calls of `route` do their work, then answer only after `ms`: a request that
   * lands although the client gave up waiting (a create whose outcome the caller never learns).
   */
  slow(route: string, ms: number, times = 1): void {
    this.slowCalls.push({ route, ms, times });
  }

  /** Makes the next matching call(s) answer with this status instead of doing their work. */
  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.slowCalls.length = 0;
  }

  /** Calls of one route name (only those that reached the route, faults included). */
  count(route: string): number {
    return this.calls.filter((c) => c.route === route).length;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const request: FakeRequest = { method, path: url.pathname, query: url.searchParams, headers: req.headers, params: {}, body: undefined, rawBody };
    let routeName = 'unmatched';
    let response: FakeResponse;
    try {
      if (rawBody && String(req.headers['content-type'] ?? '').includes('json')) {
        try {
          request.body = JSON.parse(rawBody);
        } catch {
          throw Object.assign(new Error('Problems parsing JSON'), { status: 400 });
        }
      }
      const route = this.match(method, url.pathname, request);
      routeName = route?.name ?? 'unmatched';
      this.beforeHandle?.(routeName, request);
      response =
        this.opts.authenticate(request) ??
        this.takeFault(routeName) ??
        (route ? await route.handle(request) : { status: 404, body: this.opts.errorBody(404, 'Not Found') });
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      response = { status, body: this.opts.errorBody(status, (err as Error).message) };
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const slow = this.slowCalls.find((x) => x.route === routeName && x.times > 0);
    if (slow) {
      slow.times--;
      await new Promise((r) => setTimeout(r, slow.ms));
    }
    this.calls.push({ route: routeName, method, path: url.pathname, status: response.status, at: Date.now(), body: request.body });
    if (response.status < 300 && method !== 'GET') this.events.emit('change', routeName, response.body, request);
    const payload = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(payload && { 'content-type': 'application/json; charset=utf-8' }),
      ...response.headers,
    });
    res.end(payload);
  }

  private match(method: string, path: string, req: FakeRequest): Compiled | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      req.params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
      return route;
    }
    return undefined;
  }

  private takeFault(route: string): FakeResponse | null {
    const i = this.faults.findIndex((f) => !f.route || f.route === route);
    if (i === -1) return null;
    const fault = this.faults[i]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(i, 1);
    return {
      status: fault.status,
      body: fault.body ?? this.opts.errorBody(fault.status, fault.status === 429 ? 'rate limited' : 'injected failure'),
      ...(fault.headers && { headers: fault.headers }),
    };
  }
}

/** A fake error for a route handler to throw: becomes the tracker's error body with this status. */
export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

/**
 * A random start for a fake's id counter. Test files share one database, and ids that every fresh fake
 * hands out again (comment 2000001, 10001…) would collide with rows an earlier file left, which a real
 * tracker never does: its ids are unique for good.
 */
export function idStart(base: number): number {
  return base + Math.floor(Math.random() * 1_000_000) * 1_000;
}
