// A description too long for a tracker is cut there, with a note pointing to the defect, and that cut
// copy is never read back as a person's edit: the defect keeps its whole text, and the other trackers
// never receive the cut (security F2, review #1). The same with a footer so large that Jira's room for
// the description shrinks. End to end: the API, the workers, the fakes' webhooks for our own writes,
// and polls.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';
import { recordRun } from '../helpers/fixtures.ts';
import { descriptionFromAdf } from '../../connectors/jira/adf.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';
import type { TrackerKind } from '../../connectors/contract.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ sendWebhooks: true, debounceMs: 200 }));
});
afterAll(() => stop?.());

const poll = (tracker: TrackerKind) => pollTracker(svc.prisma, svc.connectors.get(tracker)!, svc.inbox, createLogger('silent'));
const defect = async (key: string) => (await svc.http.get(`/api/defects/${key}`)).body as { description: string; version: number };

/** Creates the defect, waits for its three tickets, lets our own writes' webhooks and a poll of each tracker be read. */
async function syncedLongDefect(description: string, caseRunIds: string[] = []) {
  const res = await svc.http.post('/api/defects').send({ title: 'A very long report', description, caseRunIds });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
  await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  await Promise.all([poll('github'), poll('jira'), poll('asana')]);
  await new Promise((r) => setTimeout(r, 1500));
  await t.webhooksSettled();
  return { key: res.body.key as string, id: res.body.id as string, links: await settledLinks(svc.http, res.body.key, 0) };
}

describe('a description cut to fit a tracker', () => {
  it('stays whole in the defect and reaches Jira and Asana uncut by GitHub, though GitHub and Jira show it cut', async () => {
    // The API's longest description (65,536), plus a footer: neither GitHub nor Jira can hold it.
    const description = `Start. ${'0123456789 '.repeat(6000)}`.slice(0, 65_536);
    const d = await syncedLongDefect(description);

    const now = await defect(d.key);
    expect(now.description).toHaveLength(65_536);
    expect(now.description).toBe(description);
    const body = String(t.github.issue(Number(remoteIdOf(d.links, 'github')))['body']);
    expect(body).toContain("description cut to fit GitHub's limit");
    const jiraText = descriptionFromAdf(t.jira.issue(remoteIdOf(d.links, 'jira')).description);
    expect(jiraText).not.toContain('cut to fit GitHub');
    expect(jiraText).toContain("Cut to fit Jira's limit");
    const notes = String((t.asana.task(remoteIdOf(d.links, 'asana')) as { notes: string }).notes);
    expect(notes).not.toContain('cut to fit');
    expect(notes.startsWith(description)).toBe(true);
    // Nothing was ever taken from a ticket.
    const pulled = await svc.prisma.syncActivity.findMany({ where: { defectId: d.id, direction: { in: ['in', 'both'] } } });
    expect(pulled.map((a) => [a.connection, a.pulled])).toEqual([]);
  });

  it("does not take a person's edit of the cut copy into the defect, and says so on the link", async () => {
    const description = `Start. ${'abcdefghij '.repeat(6000)}`.slice(0, 65_536);
    const d = await syncedLongDefect(description);
    const n = Number(remoteIdOf(d.links, 'github'));
    const body = String(t.github.issue(n)['body']);
    t.github.editByHand(n, { body: body.replace('Start.', 'Begin.') });
    await poll('github');
    await until('the warning on the GitHub link', async () => {
      const l = (await linksOf(svc.http, d.key)).find((x) => x.tracker === 'github')!;
      return l.warnings?.some((w) => w.includes('cut to fit')) && l;
    });
    expect((await defect(d.key)).description).toBe(description);
    const pulled = await svc.prisma.syncActivity.findMany({ where: { defectId: d.id, direction: { in: ['in', 'both'] } } });
    expect(pulled.map((a) => [a.connection, a.pulled])).toEqual([]);
  });

  it('stays whole when a large footer (ten runs, long names, <>& in messages) leaves Jira less room', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const run = await recordRun(svc.http, {
        testCase: `${'<checkout & pay>'.repeat(28)} ${randomUUID()}`,
        launch: `${'nightly <&> '.repeat(16)}${i}`,
        status: 'failed',
        message: '<&>'.repeat(200),
      });
      ids.push(run.id);
    }
    const description = `Steps <1> & <2>.\n\n${'A paragraph with <angle> & ampersand. '.repeat(500)}`.slice(0, 20_000);
    const d = await syncedLongDefect(description, ids);
    expect((await defect(d.key)).description).toBe(description);
    const pulled = await svc.prisma.syncActivity.findMany({ where: { defectId: d.id, direction: { in: ['in', 'both'] } } });
    expect(pulled.map((a) => [a.connection, a.pulled])).toEqual([]);
  });
});
