// One set of text rules for every way in, against the real database: random text (NUL, lone surrogates,
// surrogate pairs at the limit, whitespace, values over the limits) sent through the API and pulled
// through the inbound path (applyInbound, as a tracker's change is applied) is stored as the rules say,
// reads back equal, and both paths store the same value for the same text. And a database refusal of bad
// data is a `rejected` failure with a clear message, never "transient" nor Prisma's internal text.
// Seed: FC_SEED (default fixed); FC_RUNS scales the runs.
import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUrl, testApi } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';
import { DESCRIPTION_MAX, fitText, fitsNothing, TITLE_MAX } from '../../src/domain/text-rules.ts';
import { applyInbound } from '../../src/sync/apply-inbound.ts';
import { decide } from '../../src/sync/error-policy.ts';

const { prisma, http } = testApi();
const SEED = Number(process.env.FC_SEED ?? 20261201);
const RUNS = Number(process.env.FC_RUNS ?? 40);

const EMOJI = '\u{1F41E}';
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 1, minLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', EMOJI, ' ', '\n', '\u00a0', '\ufffd', 'é') },
);
const text = (around: number) =>
  fc.oneof(
    fc.array(unit, { maxLength: 20 }).map((a) => a.join('')),
    fc.tuple(fc.integer({ min: around - 2, max: around + 2 }), fc.array(unit, { maxLength: 4 }), fc.array(unit, { maxLength: 4 })).map(
      ([n, head, tail]) => head.join('') + 'y'.repeat(Math.max(0, n - head.length)) + tail.join(''),
    ),
  );

describe('text rules against the database', () => {
  it('stores what the API accepts and what a tracker sends as the rules say, reading back equal on both paths', async () => {
    const d = await createDefect(http);
    await fc.assert(
      fc.asyncProperty(text(TITLE_MAX), text(DESCRIPTION_MAX), async (rawTitle, rawDescription) => {
        const title = fitText('title', rawTitle);
        const description = fitText('description', rawDescription);

        // The API: stores the text unchanged, or refuses it naming the field, never a 5xx.
        const api = await http.patch(`/api/defects/${d.key}`).send({ title: rawTitle, description: rawDescription });
        if (api.status === 200) {
          expect(api.body).toMatchObject({ title: title.value, description: description.value });
        } else {
          expect(api.status).toBe(400);
          const fields = (api.body.error.details.fields as { field: string }[]).map((f) => f.field);
          expect(fields.length).toBeGreaterThan(0);
          for (const f of fields) expect(['title', 'description']).toContain(f);
        }

        // The inbound path, given the raw text (as a connector without the rules would): the same values.
        const before = await prisma.defect.findUniqueOrThrow({ where: { id: d.id } });
        await applyInbound(prisma, d.id, before.version, 'asana', { title: rawTitle, description: rawDescription }, {});
        const stored = (await http.get(`/api/defects/${d.key}`)).body;
        expect(stored.title).toBe(fitsNothing('title', title) ? before.title : title.value);
        expect(stored.description).toBe(description.value);

        // What was stored is what the API would store: sending it back changes nothing.
        const again = await http.patch(`/api/defects/${d.key}`).send({ title: stored.title, description: stored.description });
        expect(again.status).toBe(200);
        expect(again.body.version).toBe(stored.version);
        expect((await http.get(`/api/defects/${d.key}`)).body).toMatchObject({ title: stored.title, description: stored.description });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('a database refusal of bad data', () => {
  it('is rejected (no retry loop) with the database’s own words, not Prisma’s invocation text', async () => {
    const d = await createDefect(http);
    const nul = await prisma.defect.updateMany({ where: { id: d.id }, data: { title: 'nul\u0000here' } }).catch((e: unknown) => e);
    for (const finalAttempt of [false, true]) {
      const decision = decide(nul, finalAttempt);
      expect(decision).toEqual({ action: 'fail', state: 'failed', message: expect.stringMatching(/database refused .*0x00.*SQLSTATE 22021.*retrying cannot help/) });
      expect(decision.message).not.toMatch(/invocation|prisma\.|updateMany/);
    }

    // A constraint (class 23): a second link of the same defect and tracker.
    await prisma.trackerLink.create({ data: { defectId: d.id, connection: 'github', tracker: 'github' } });
    const unique = await prisma.trackerLink.create({ data: { defectId: d.id, connection: 'github', tracker: 'github' } }).catch((e: unknown) => e);
    expect(decide(unique, false)).toMatchObject({ action: 'fail', state: 'failed' });
    expect(decide(unique, false)).not.toHaveProperty('retryLater');
    expect(decide(unique, false).message).not.toMatch(/invocation|prisma\./);

    // The same from a raw pg connection (the sync lock's): class 22.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const raw = await client.query('SELECT 1/0').catch((e: unknown) => e);
    await client.end();
    expect(decide(raw, false)).toEqual({ action: 'fail', state: 'failed', message: expect.stringMatching(/division by zero.*SQLSTATE 22012/) });
  });

  it('leaves other database errors transient, still without the invocation text', async () => {
    const missing = await prisma.$executeRawUnsafe('SELECT * FROM "NoSuchTable"').catch((e: unknown) => e);
    expect(decide(missing, false)).toEqual({ action: 'retry', state: 'retrying', message: expect.stringMatching(/^database error: .*NoSuchTable.*SQLSTATE 42P01/) });
    expect(decide(missing, true)).toMatchObject({ action: 'fail', retryLater: true });
    expect(decide(missing, false).message).not.toMatch(/invocation/);
  });
});
