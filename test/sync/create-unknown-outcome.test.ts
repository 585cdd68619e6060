// A create whose outcome the worker never learns (a gateway error, a timeout after Jira took the
// request), twice, against a search index that lags behind creates: the marker search must wait out
// the lag counted from the latest such attempt, not the first, or the retry makes a second issue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Trackers } from '../../fakes/index.ts';
import { type Service } from '../helpers/service.ts';
import { createDefect } from '../helpers/fixtures.ts';
import type { SyncEngine } from '../../src/sync/engine.ts';
import { startHandDriven } from '../helpers/engine.ts';

const LAG_MS = 1500; // how far Jira's search lags behind creates (the fake), and what the service assumes
const TIMEOUT_MS = 300; // how long a Jira call may take before the worker gives up on it

let t: Trackers;
let svc: Service;
let engine: SyncEngine;
let stop: () => Promise<void>;

// The worker's own engine, driven by hand so that each attempt happens exactly when the test says.
beforeAll(async () => void ({ t, svc, engine, stop } = await startHandDriven({ env: { JIRA_SEARCH_LAG_MS: String(LAG_MS) }, timeoutMs: TIMEOUT_MS, jobAttempts: 100 })));
afterAll(() => stop?.());

const attempt = () => engine.sync('jira', defectId).then((outcome) => outcome, (err: Error) => `failed: ${err.message}`);
let defectId = '';

describe('two creates of unknown outcome against a lagging search', () => {
  it('makes one Jira issue', async () => {
    t.jira.state.searchLagMs = LAG_MS;
    defectId = (await createDefect(svc.http, { title: 'Two unknown creates' })).id;
    const marked = () => t.jira.issues().filter((i) => ((i.fields as { labels?: string[] }).labels ?? []).includes(`defect-sync-${defectId}`));

    // 1: a gateway error; Jira made nothing, but the worker cannot know that.
    t.jira.tracker.fail({ route: 'ticket.create', status: 504 });
    expect(await attempt()).toMatch(/^failed/);
    // Until the first attempt's issue would be searchable, every retry waits.
    expect(await attempt()).toMatch(/waiting for Jira's search index/);
    const firstVisibleBy = Date.now() + TIMEOUT_MS + LAG_MS + 5_000;
    await new Promise((r) => setTimeout(r, firstVisibleBy - Date.now() + 1200));

    // 2: the search finds nothing (true), so the worker creates; Jira takes it but answers too late.
    t.jira.tracker.slow('ticket.create', TIMEOUT_MS * 4);
    const second = await attempt();
    expect(second, second).toMatch(/^failed/);
    expect(second).not.toMatch(/waiting/);
    expect(marked()).toHaveLength(1); // Jira made it as the request arrived

    // 3: soon after, the new issue is not searchable yet: the retry must wait, not create a second one.
    expect(await attempt()).toMatch(/waiting for Jira's search index/);
    expect(marked()).toHaveLength(1);

    // Once the index caught up, the retry finds the issue and adopts it.
    await new Promise((r) => setTimeout(r, LAG_MS + 200));
    expect(await attempt()).toBe('adopted');
    expect(marked()).toHaveLength(1);
    const link = await svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId, connection: 'jira' } } });
    expect(link).toMatchObject({ syncState: 'synced', remoteId: marked()[0]!.id });
  });
});
