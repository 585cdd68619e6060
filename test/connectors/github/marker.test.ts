// The marker lookup in a busy repository: more issues created since the create attempt than the
// listing reads (1,000) must not block the defect's issue for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../../connectors/contract.ts';
import { createGithubFake } from '../../../fakes/github/server.ts';
import { connector, ticket, trackerError } from './helpers.ts';

// The attempt was an hour ago by our clock; GitHub's clock (the fake's) is stepped from there.
const attempt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000);
let clock = attempt.getTime();
const fake = createGithubFake({ repository: 'acme/app', now: () => clock });
let gh: Connector;

beforeAll(async () => {
  await fake.tracker.start();
  gh = connector({ apiUrl: fake.tracker.baseUrl, token: fake.token });
});
afterAll(() => fake.tracker.stop());

const MINE = '4e5f6a7b-1111-4222-8333-944455550016';

describe('findByMarker after more than 1,000 issues were created since the attempt', () => {
  beforeAll(() => {
    clock += 2000;
  });

  it('finds the issue the attempt made', async () => {
    const mine = await gh.create(ticket({}, MINE));
    for (let i = 0; i < 1050; i++) {
      clock += 1000;
      fake.createByHand({ title: `busy ${i}` });
    }
    expect(await gh.findByMarker(MINE, attempt)).toEqual(mine);
  });

  it('answers null when no issue carries the marker, so the defect gets its issue', async () => {
    expect(await gh.findByMarker('4e5f6a7b-1111-4222-8333-944455550099', attempt)).toBeNull();
  });

  it('retries while the search index could still be missing an issue the attempt made', async () => {
    const recent = new Date(Date.now() - 60_000);
    clock = recent.getTime();
    for (let i = 0; i < 1001; i++) {
      clock += 10;
      fake.createByHand({ title: `burst ${i}` });
    }
    const err = await trackerError(gh.findByMarker('4e5f6a7b-1111-4222-8333-944455550098', recent));
    expect(err.kind).toBe('transient');
    expect(err.retryAfterMs).toBeGreaterThan(0);
  });
});
