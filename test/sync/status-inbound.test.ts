// A status that syncs inbound only: the tracker moves the defect, the defect never moves the ticket,
// not even to bring back a move the lifecycle refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefect, patchDefect } from '../helpers/fixtures.ts';
import { type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ trackers: { syncConfig: { fields: { status: 'inbound' }, jira: { targets: { closed: "Won't Do" } } } }, sendWebhooks: true, debounceMs: 100 }));
});
afterAll(() => stop?.());

describe('status direction inbound', () => {
  it('never writes a status to the ticket, not even to bring back a move the lifecycle refuses', async () => {
    const d = await createDefect(svc.http, { title: 'Inbound status only' });
    const links = await settledLinks(svc.http, d.key, 0);
    await t.webhooksSettled();
    await patchDefect(svc.http, d.key, { status: 'closed' }); // stays here: status does not go out
    await settledLinks(svc.http, d.key, Date.now() - 100);
    const jiraId = remoteIdOf(links, 'jira');
    expect(t.jira.state.status(t.jira.issue(jiraId).statusId).category).toBe('new');

    const before = t.writes().jira;
    t.jira.setStatus(jiraId, 'Done'); // closed → resolved: a move the defect cannot make
    await until('the refusal noted on the Jira link', async () => {
      const jira = (await linksOf(svc.http, d.key)).find((x) => x.tracker === 'jira')!;
      return jira.syncState === 'synced' && jira.warnings?.some((w) => /resolved/.test(w));
    });
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 800));
    expect(t.writes().jira - before).toBe(0);
    expect(t.jira.state.status(t.jira.issue(jiraId).statusId).name).toBe('Done');
    expect(((await svc.http.get(`/api/defects/${d.key}`)).body as { status: string }).status).toBe('closed');
  });
});
