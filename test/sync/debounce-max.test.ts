// Review #22: the debounce (each further change restarts the wait) had no maximum, so a defect edited more
// often than once per SYNC_DEBOUNCE_MS (CI shards linking runs to one defect) never synced while the edits
// went on. SYNC_DEBOUNCE_MAX_MS bounds the wait from the first change that is still pending, whichever way
// the changes come in (API edits through the outbox, tracker notices through the inbox).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import type { Service } from '../helpers/service.ts';
import { githubOnly, startWithTrackers } from '../helpers/tracked-service.ts';
import { createDefect, patchDefect } from '../helpers/fixtures.ts';
import { settledLinks, remoteIdOf } from '../helpers/links.ts';
import { unique } from '../helpers/context.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({
    env: (base) => ({ ...githubOnly(base), SYNC_DEBOUNCE_MAX_MS: '2000' }),
    debounceMs: 1000,
  }));
});
afterAll(() => stop?.());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Edits the defect every 300 ms for 5 s (and, with `notices`, records a tracker notice about its ticket
 * between edits, as a webhook would) and returns when, after the first edit, GitHub first held an edited
 * title, or null if it never did while the edits went on.
 */
async function editStorm(opts: { notices: boolean }) {
  const d = await createDefect(svc.http, { title: 'Sharded CI run 0' });
  const links = await settledLinks(svc.http, d.key, 0, 'synced', 1);
  const number = Number(remoteIdOf(links, 'github'));
  const started = Date.now();
  let writtenAfter: number | null = null;
  for (let i = 1; Date.now() - started < 5000; i++) {
    await patchDefect(svc.http, d.key, { title: `Sharded CI run ${i}` });
    if (opts.notices) {
      const { rows } = await svc.inbox.record('github', [{ deliveryId: unique('delivery'), event: 'issues.edited', remoteIds: [String(number)] }], 'webhook');
      await svc.inbox.dispatch(rows);
    }
    if (writtenAfter === null && t.github.issue(number).title !== 'Sharded CI run 0') writtenAfter = Date.now() - started;
    await sleep(300);
  }
  return writtenAfter;
}

describe('SYNC_DEBOUNCE_MAX_MS', () => {
  it('syncs a defect edited every 300 ms within the maximum wait, before the edits stop (debounce 1 s, max 2 s)', async () => {
    const writtenAfter = await editStorm({ notices: false });
    expect(writtenAfter, 'GitHub was never written while the edits went on').not.toBeNull();
    // The first pending change is at most 2 s old when its job runs; the rest is the sync itself and polling.
    expect(writtenAfter!).toBeLessThan(3500);
  });

  it('holds with tracker notices between the edits too (an inbound job does not restart the wait)', async () => {
    const writtenAfter = await editStorm({ notices: true });
    expect(writtenAfter, 'GitHub was never written while the edits went on').not.toBeNull();
    expect(writtenAfter!).toBeLessThan(3500);
  });
});
