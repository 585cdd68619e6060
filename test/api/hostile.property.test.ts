// Property test: hostile input on every /api route. Whatever arrives (arbitrary JSON, NUL, lone
// surrogates, huge numbers, out-of-range dates, floods of unknown keys, wrong types, odd Content-Types,
// X-Actor and If-Match values), the API answers no 5xx, every error has the one documented shape and
// stays small, and a refused request stores nothing. Seed: FC_SEED (default fixed); fast-check prints
// the seed and the shrunk counterexample on failure, so a failure replays with FC_SEED=<seed>.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, unique, distinctMessage } from '../helpers/context.ts';
import { createDefect, recordRun } from '../helpers/fixtures.ts';

const { prisma, http } = testApi();
const SEED = Number(process.env.FC_SEED ?? 20261124);
const RUNS = Number(process.env.FC_RUNS ?? 500);

// ---- generators -------------------------------------------------------------------------------

const nasty = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', '\u0000\u0000', 'a\u0000b', '\ufffd', '\u202e', '\u0007', ' ', '');
/** Strings mixing ordinary text with NUL, lone surrogates and control characters. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 10 }), nasty, fc.string({ maxLength: 10 })).map(([a, b, c]) => a + b + c),
  fc.constantFrom('DEF-1', 'DEF-2147483648', 'DEF-99999999999', '00000000-0000-4000-8000-000000000000', 'open', 'critical', 'github', 'user:x'),
);
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** ISO date-times across the whole 4-digit year range, with and without offsets (Postgres range edges included). */
const isoDate = fc.oneof(
  fc
    .record({
      y: fc.oneof(fc.constantFrom(0, 1, 1969, 1970, 9999), fc.integer({ min: 0, max: 9999 })),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
      h: fc.integer({ min: 0, max: 23 }),
      off: fc.constantFrom('Z', '+01:00', '-05:00', '+14:00', '-12:00', '+00:00'),
    })
    .map(({ y, mo, d, h, off }) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:30:00${off}`),
  fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T20:00:00-05:00', '+275760-09-13T00:00:00Z', '2026-02-30T00:00:00Z'),
);
const hugeNumber = fc.oneof(
  fc.constantFrom(2147483647, 2147483648, 9999999999, Number.MAX_SAFE_INTEGER, 1e308, -1, 0, 0.5, -0),
  fc.double({ noNaN: true }),
  fc.integer(),
);
const leaf = fc.oneof(hostileString, hugeNumber, isoDate, fc.boolean(), fc.constant(null));
const hostileValue = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, leaf, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A body built from the route's own field names with hostile values, plus sometimes unknown keys (up to thousands). */
function body(fields: string[], valid: Record<string, fc.Arbitrary<unknown>> = {}) {
  const known = Object.fromEntries(
    fields.map((f) => [f, valid[f] ? fc.oneof(valid[f], hostileValue) : hostileValue] as const),
  );
  const unknownKeys = fc.oneof(
    { weight: 5, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 5000 }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.record(known, { requiredKeys: [] }), unknownKeys).map(([b, flood]) => ({ body: b, flood })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((b) => ({ body: b as unknown, flood: 0 })) },
  );
}

/** Percent-encodes every UTF-16 unit; a lone surrogate goes out as its (invalid) 3-byte UTF-8 form. */
function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += `%${[0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => b.toString(16).toUpperCase()).join('%')}`;
    else out += encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return out;
}
const pathSegment = fc.oneof(hostileString.map(pct), fc.constantFrom('%00', '%FF', '%ED%A0%80', '%', 'DEF-0', 'DEF-1'.repeat(50)));
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('status', 'severity', 'assignee', 'milestone', 'tag', 'project', 'limit', 'cursor', 'tag[]', 'limit[x]'), hostileString),
      fc.oneof(hostileString, hugeNumber.map(String), fc.constantFrom('open,reopened', 'critical,nope', '2147483648', '9999999999', '00', '%00', '%ED%A0%80')),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${v.startsWith('%') ? v : pct(v)}`).join('&'));

/** Header values Node's client can send: tab, printable ASCII and latin1 bytes (raw UTF-8 arrives that way). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('verification', 'tracker:jira', 'tracker:github', 'system', 'System:cron', ' verification ', 'user:ann', Buffer.from('usér', 'utf8').toString('latin1'), '\xff\xfe', 'x'.repeat(300)),
);
const ifMatch = fc.oneof(headerValue, fc.constantFrom('"1"', 'W/"1"', '1', '"9999999999"', '"2147483648"', '*', '"0"'));
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/merge-patch+json',
  'multipart/form-data; boundary=x',
  '',
);

type Req = {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  /** How many unknown keys to add to the body when sending (kept as a count so a counterexample stays readable). */
  flood?: number;
  raw?: string;
  contentType?: string;
  actor?: string;
  ifMatch?: string;
};

/** Optional extras every request may carry: an X-Actor, an odd Content-Type with a raw body. */
const extras = fc.record(
  {
    actor: headerValue,
    contentType,
    raw: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{"title":"a\\u0000"}', '{"title":"\\ud800"}', '{', 'null', '[]', '""', '{"__proto__":{"x":1}}')),
  },
  { requiredKeys: [] },
);

// ---- invariants -------------------------------------------------------------------------------

/** Everything a write can touch, summed up: a refused request must leave all of it unchanged. */
async function snapshot(): Promise<string> {
  const [row] = await prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT (SELECT count(*) FROM "Defect") AS defects, (SELECT coalesce(sum(version), 0) FROM "Defect") AS versions,
           (SELECT count(*) FROM "CaseRun") AS runs, (SELECT count(*) FROM "DefectCaseRun") AS "runLinks",
           (SELECT count(*) FROM "StatusChange") AS history, (SELECT count(*) FROM "OutboxEvent") AS outbox,
           (SELECT count(*) FROM "TrackerLink") AS links`;
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

async function send(r: Req) {
  let q = http[r.method === 'GET' ? 'get' : r.method === 'POST' ? 'post' : 'patch'](r.path);
  if (r.actor !== undefined) q = q.set('X-Actor', r.actor);
  if (r.ifMatch !== undefined) q = q.set('If-Match', r.ifMatch);
  if (r.raw !== undefined && r.contentType !== undefined) return q.set('Content-Type', r.contentType).send(r.raw);
  if (r.body === undefined) return q;
  const flooded = r.flood && r.body && typeof r.body === 'object' && !Array.isArray(r.body)
    ? { ...r.body, ...Object.fromEntries(Array.from({ length: r.flood }, (_, i) => [`x${i}`, i])) }
    : r.body;
  // Sent as text so JSON primitives (true, 3, "x") go out as they are.
  return q.set('Content-Type', 'application/json').send(JSON.stringify(flooded));
}

async function check(r: Req): Promise<void> {
  const before = await snapshot();
  const res = await send(r);
  const where = `${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  if (res.status >= 300) {
    expect(res.text.length, `error answer of ${res.text.length} bytes: ${where}`).toBeLessThan(16_000);
    expect(Object.keys(res.body), where).toEqual(['error']);
    expect(res.body.error, where).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const extra = Object.keys(res.body.error).filter((k) => !['code', 'message', 'details', 'from', 'to', 'allowed'].includes(k));
    expect(extra, where).toEqual([]);
    expect(await snapshot(), `a refused request changed the store: ${where}`).toBe(before);
  }
}

const property = (arb: fc.Arbitrary<Req>) => fc.assert(fc.asyncProperty(arb, check), { seed: SEED, numRuns: RUNS, endOnFailure: true });

// ---- routes -----------------------------------------------------------------------------------

let defectKey = '';
let failedRunId = '';
beforeAll(async () => {
  const run = await recordRun(http, { testCase: unique('tc'), status: 'failed', message: distinctMessage('boom') });
  failedRunId = run.id;
  defectKey = (await createDefect(http, { milestone: 'R-prop', severity: 'critical' })).key;
});
const ref = () => fc.oneof({ weight: 3, arbitrary: fc.constant(defectKey) }, { weight: 1, arbitrary: pathSegment });
const DEFECT_FIELDS = ['title', 'description', 'severity', 'status', 'assignee', 'milestone', 'tags', 'project', 'caseRunIds'];
const validTitle = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const merge = (base: fc.Arbitrary<Omit<Req, 'actor' | 'contentType' | 'raw'>>) =>
  fc.tuple(base, extras).map(([b, e]): Req => ({ ...b, ...e }));

describe('hostile input on every /api route: no 5xx, one error shape, nothing stored when refused', () => {
  it('POST /api/defects', () =>
    property(merge(body(DEFECT_FIELDS, { title: validTitle }).map((b) => ({ method: 'POST' as const, path: '/api/defects', ...b })))));

  it('GET /api/defects', () => property(queryString.map((q) => ({ method: 'GET' as const, path: `/api/defects?${q}` }))));

  it('GET /api/defects/:idOrKey and its impact and links', () =>
    property(
      fc
        .tuple(ref(), fc.constantFrom('', '/impact', '/links'))
        .map(([r, sub]) => ({ method: 'GET' as const, path: `/api/defects/${r}${sub}` })),
    ));

  it('PATCH /api/defects/:idOrKey', () =>
    property(
      merge(
        fc
          .tuple(ref(), body(DEFECT_FIELDS, { title: validTitle }), fc.option(ifMatch, { nil: undefined }))
          .map(([r, b, im]) => ({ method: 'PATCH' as const, path: `/api/defects/${r}`, ...b, ...(im !== undefined && { ifMatch: im }) })),
      ),
    ));

  it('POST /api/case-runs', () =>
    property(
      merge(
        body(['launch', 'testCase', 'status', 'message', 'project', 'startedAt', 'finishedAt'], {
          launch: validTitle,
          testCase: validTitle,
          status: fc.constantFrom('passed', 'failed', 'skipped', 'blocked'),
          startedAt: isoDate,
          finishedAt: isoDate,
        }).map((b) => ({ method: 'POST' as const, path: '/api/case-runs', ...b })),
      ),
    ));

  it('POST /api/case-runs/:id/defect', () =>
    property(
      merge(
        fc
          .tuple(fc.oneof(fc.constant(failedRunId), pathSegment), fc.option(body(['project']), { nil: undefined }))
          .map(([id, b]) => ({ method: 'POST' as const, path: `/api/case-runs/${id}/defect`, ...b })),
      ),
    ));

  it('POST /api/defects/:idOrKey/case-runs and /links', () =>
    property(
      merge(
        fc.tuple(ref(), fc.constantFrom('case-runs', 'links'), body(['caseRunId', 'tracker', 'key', 'url'], { caseRunId: fc.constant(failedRunId) })).map(
          ([r, sub, b]) => ({ method: 'POST' as const, path: `/api/defects/${r}/${sub}`, ...b }),
        ),
      ),
    ));

  it('GET /api/milestones/:name/readiness', () =>
    property(
      fc.oneof(fc.constant('R-prop'), pathSegment).map((m) => ({ method: 'GET' as const, path: `/api/milestones/${m}/readiness` })),
    ));
});
