// Per-field directions from SYNC_CONFIG: fields that do not sync outbound are never written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefect, patchDefect } from '../helpers/fixtures.ts';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ trackers: { syncConfig: { fields: { title: 'inbound', assignee: 'off', status: 'outbound' } } }, debounceMs: 100 }));
});
afterAll(() => stop?.());

async function syncedSince(ref: string, since: number) {
  return until(`${ref} synced`, async () => {
    const links = (await svc.http.get(`/api/defects/${ref}/links`)).body.data as { tracker: string; remoteId: string; syncState: string; lastSyncedAt: string }[];
    return links.length === 3 && links.every((l) => l.syncState === 'synced' && Date.parse(l.lastSyncedAt) >= since) && links;
  });
}

describe('field directions', () => {
  it('creates without the fields that do not go out, and never sends their edits', async () => {
    const d = await createDefect(svc.http, { title: 'Directions', assignee: ANA.email, severity: 'high' });
    const links = await syncedSince(d.key, 0);
    const issue = () => t.github.issue(Number(links.find((l) => l.tracker === 'github')!.remoteId)) as { title: string; state: string; assignees: unknown[]; labels: { name: string }[] };
    expect(issue()).toMatchObject({ title: 'Directions', assignees: [] }); // title is copied once, at create
    expect(issue().labels.map((l) => l.name)).toEqual(['severity: high']);

    const writes = t.writes();
    const since = Date.now();
    await patchDefect(svc.http, d.key, { title: 'Renamed here only', assignee: 'bob@example.com' });
    await syncedSince(d.key, since);
    expect(t.writes()).toEqual(writes);
    expect(issue().title).toBe('Directions');

    const since2 = Date.now();
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await syncedSince(d.key, since2);
    expect(issue()).toMatchObject({ state: 'closed', title: 'Directions', assignees: [] });
  });
});
