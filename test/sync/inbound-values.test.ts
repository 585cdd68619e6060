// Values a person puts in a tracker pass the API's text rules (security review F1-F3): through the Asana
// fake's own webhook and the real SDK, a 1 MB name, notes over 65,536 characters, and NUL or lone
// surrogates are stored cut or cleaned, the link says so, the other trackers stay in step, and no link
// goes retrying or failed. A name that is empty after cleaning refuses the ticket (rejected, a clear
// message, no retry loop) until a person gives it a name.
import { distinctMessage } from '../helpers/context.ts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { recordRun } from '../helpers/fixtures.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ sendWebhooks: true, debounceMs: 200 }));
});
afterAll(() => stop?.());

const defect = async (key: string) => (await svc.http.get(`/api/defects/${key}`)).body as { title: string; description: string; version: number };
const ghIssue = (l: Link[]) => t.github.issue(Number(remoteIdOf(l, 'github'))) as { title: string; body: string };
const asanaLink = (l: Link[]) => l.find((x) => x.tracker === 'asana')!;

async function syncedDefect(title: string) {
  const run = await recordRun(svc.http, { testCase: `inbound-values › ${randomUUID().slice(0, 8)}`, status: 'failed', message: distinctMessage('boom') });
  const res = await svc.http.post('/api/defects').send({ title, assignee: ANA.email, caseRunIds: [run.id] });
  expect(res.status).toBe(201);
  const links = await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  await new Promise((r) => setTimeout(r, 500));
  return { key: res.body.key as string, id: res.body.id as string, links };
}

/** No link is retrying or failed, now and after a while (no retry loop starts later). */
async function expectNoTrouble(key: string) {
  for (let i = 0; i < 2; i++) {
    const l = await linksOf(svc.http, key);
    expect(l.map((x) => [x.tracker, x.syncState, x.lastError])).toEqual(l.map((x) => [x.tracker, 'synced', null]));
    if (i === 0) {
      await t.webhooksSettled();
      await new Promise((r) => setTimeout(r, 800));
    }
  }
}

describe('values from a tracker that break the API rules', () => {
  it('cuts a 1 MB Asana name to 255 characters, warns on the link, and GitHub stays synced', async () => {
    const d = await syncedDefect('Short title');
    t.asana.editTask(remoteIdOf(d.links, 'asana'), { name: 'L'.repeat(1_048_000) });
    const cut = 'L'.repeat(255);
    const l = await until('the cut title everywhere', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === cut && ghIssue(l).title === cut && t.jira.issue(remoteIdOf(l, 'jira')).summary === cut && l.every((x) => x.syncState === 'synced') && l;
    });
    expect(asanaLink(l).warnings).toEqual([expect.stringMatching(/asana title is 1048000 characters, more than a defect's 255; the defect holds its first 255/)]);
    await expectNoTrouble(d.key);
    expect((await defect(d.key)).title).toBe(cut);
  });

  it('cuts Asana notes over 65,536 characters at 65,536 and warns on the link, with no link retrying or failed', async () => {
    const d = await syncedDefect('Long notes');
    t.asana.editTask(remoteIdOf(d.links, 'asana'), { notes: 'N'.repeat(70_000) });
    const l = await until('the cut notes in the defect', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).description.startsWith('N'.repeat(1000)) && (asanaLink(l).warnings?.length ?? 0) > 0 && l;
    });
    expect(asanaLink(l).warnings).toContainEqual(expect.stringMatching(/asana description is 70000 characters, more than a defect's 65536; the defect holds its first 65536/));
    await until('every link synced', async () => (await linksOf(svc.http, d.key)).every((x) => x.syncState === 'synced'));
    await expectNoTrouble(d.key);
    // Never more than the API's limit. (Exactly the first 65,536 once GitHub's cut-to-fit body is no longer
    // read back as an edit: issue 13 item 1, fixed apart from this.)
    const stored = (await defect(d.key)).description;
    expect(stored.length).toBeLessThanOrEqual(65_536);
    expect(stored.startsWith('N'.repeat(60_000))).toBe(true);
  });

  it('replaces NUL and lone surrogates with U+FFFD in an Asana name and notes, and keeps syncing', async () => {
    const d = await syncedDefect('Plain title');
    t.asana.editTask(remoteIdOf(d.links, 'asana'), { name: 'nul\u0000here \ud800 lone', notes: 'notes\u0000nul' });
    const clean = 'nul\ufffdhere \ufffd lone';
    const l = await until('the cleaned title everywhere', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === clean && ghIssue(l).title === clean && l.every((x) => x.syncState === 'synced') && l;
    });
    expect((await defect(d.key)).description).toBe('notes\ufffdnul');
    expect(asanaLink(l).warnings).toEqual([
      expect.stringMatching(/asana title held NUL or unpaired surrogate characters/),
      expect.stringMatching(/asana description held NUL or unpaired surrogate characters/),
    ]);
    await expectNoTrouble(d.key);

    // A later change made elsewhere still reaches Asana (the link is not jammed).
    t.github.editByHand(Number(remoteIdOf(l, 'github')), { title: 'Fixed in GitHub' });
    await until('the GitHub title in Asana', async () => (t.asana.task(remoteIdOf(l, 'asana')) as { name: string }).name === 'Fixed in GitHub');
  });

  it('refuses an Asana name that is empty after cleaning as rejected, leaving the defect and the others alone, until a person names the task', async () => {
    const d = await syncedDefect('Named defect');
    const gid = remoteIdOf(d.links, 'asana');
    t.asana.editTask(gid, { name: '  \u0000'.slice(0, 2) });
    const l = await until('the Asana link refused', async () => {
      const l = await linksOf(svc.http, d.key);
      return asanaLink(l).syncState === 'failed' && l;
    });
    expect(asanaLink(l).lastError).toMatch(/asana ticket .* has an empty title, which a defect cannot have/);
    expect(l.filter((x) => x.tracker !== 'asana').map((x) => x.syncState)).toEqual(['synced', 'synced']);
    expect((await defect(d.key)).title).toBe('Named defect');
    const mine = { defectId_connection: { defectId: d.id, connection: 'asana' as const } };
    const attempts = (await svc.prisma.trackerLink.findUniqueOrThrow({ where: mine })).attempts;
    await new Promise((r) => setTimeout(r, 1500));
    const after = await svc.prisma.trackerLink.findUniqueOrThrow({ where: mine });
    expect(after).toMatchObject({ syncState: 'failed', attempts, nextAttemptAt: null }); // no retry loop

    t.asana.editTask(gid, { name: 'Named again in Asana' });
    await until('the new name everywhere and the link back', async () => {
      const l = await linksOf(svc.http, d.key);
      return (await defect(d.key)).title === 'Named again in Asana' && ghIssue(l).title === 'Named again in Asana' && l.every((x) => x.syncState === 'synced');
    });
  });
});
