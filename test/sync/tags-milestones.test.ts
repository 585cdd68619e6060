// Tags and milestones end to end (issue 15 part 2) with all three fakes: tags become GitHub labels, Jira
// labels and Asana tags and merge as a set (what anyone adds is kept everywhere, what anyone removes goes);
// the milestone is a GitHub milestone (created on first use), a Jira fix version (which must exist: a
// missing one is a warning on the link) and Asana's "Milestone" text field, and a milestone set in a
// tracker counts for the readiness report.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { patchDefect } from '../helpers/fixtures.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ sendWebhooks: true, debounceMs: 100 }));
  t.jira.addVersion('2.4');
});
afterAll(() => stop?.());
afterEach(() => t.webhooksSettled());

type Defect = { key: string; id: string; tags: string[]; milestone: string | null };
const defectOf = async (key: string): Promise<Defect> => (await svc.http.get(`/api/defects/${key}`)).body;
const pollAsana = () => pollTracker(svc.prisma, svc.connectors.get('asana')!, svc.inbox, createLogger('silent'));

const ghIssue = (l: Link[]) => t.github.issue(Number(remoteIdOf(l, 'github'))) as { labels: { name: string }[]; milestone: { title: string } | null };
const ghTags = (l: Link[]) => ghIssue(l).labels.map((x) => x.name).filter((n) => !n.startsWith('severity:')).sort();
const jiraIssue = (l: Link[]) => t.jira.issue(remoteIdOf(l, 'jira'));
const jiraTags = (l: Link[]) => jiraIssue(l).labels.filter((x) => !x.startsWith('defect-sync-')).sort();
const asanaTags = (l: Link[]) => t.asana.taskTags(remoteIdOf(l, 'asana')).sort();
const asanaMilestone = (l: Link[]) => {
  const task = t.asana.task(remoteIdOf(l, 'asana')) as { custom_fields: { gid: string; text_value?: string | null }[] };
  return task.custom_fields.find((f) => f.gid === t.milestoneField)?.text_value ?? null;
};
const everywhere = (l: Link[], tags: string[]) => [ghTags(l), jiraTags(l), asanaTags(l)].every((x) => JSON.stringify(x) === JSON.stringify(tags));

async function linkedDefect(body: Record<string, unknown>) {
  const res = await svc.http.post('/api/defects').send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const links = await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  return { key: res.body.key as string, links };
}

describe('tags and milestones', () => {
  it('a new defect carries its tags and milestone to all three; the GitHub milestone is made on first use', async () => {
    const d = await linkedDefect({ title: 'Tags out', tags: ['payments', 'checkout'], milestone: '2.4' });
    expect(everywhere(d.links, ['checkout', 'payments'])).toBe(true);
    expect(ghIssue(d.links).milestone?.title).toBe('2.4');
    expect(t.github.milestones().map((m) => m.title)).toContain('2.4');
    expect(jiraIssue(d.links).fixVersions).toEqual(['2.4']);
    expect(asanaMilestone(d.links)).toBe('2.4');
    // The marker label is still there beside the tags.
    expect(jiraIssue(d.links).labels.some((x) => x.startsWith('defect-sync-'))).toBe(true);
  });

  it('merges tags as a set: a label added in GitHub and one in Jira both reach everywhere; one removed in Asana goes everywhere', async () => {
    const d = await linkedDefect({ title: 'Tags merge', tags: ['payments'] });
    const n = Number(remoteIdOf(d.links, 'github'));
    t.github.editByHand(n, { labels: [...ghIssue(d.links).labels.map((x) => x.name), 'ui'] });
    t.jira.edit(remoteIdOf(d.links, 'jira'), { labels: [...jiraIssue(d.links).labels, 'flaky'] });
    await until('both additions on the defect and in every tracker', async () =>
      JSON.stringify((await defectOf(d.key)).tags) === JSON.stringify(['flaky', 'payments', 'ui']) && (await pollAsana(), everywhere(d.links, ['flaky', 'payments', 'ui'])),
    );

    t.asana.editTask(remoteIdOf(d.links, 'asana'), { tagNames: ['flaky', 'ui'] });
    await until('the removal everywhere', async () => {
      await pollAsana();
      return JSON.stringify((await defectOf(d.key)).tags) === JSON.stringify(['flaky', 'ui']) && everywhere(d.links, ['flaky', 'ui']);
    });
  });

  it('a tag Jira cannot carry (a space) stays on the defect and the other trackers, and the Jira link says so', async () => {
    const d = await linkedDefect({ title: 'Tags with a space', tags: ['needs triage', 'ui'] });
    expect(ghTags(d.links)).toEqual(['needs triage', 'ui']);
    expect(asanaTags(d.links)).toEqual(['needs triage', 'ui']);
    expect(jiraTags(d.links)).toEqual(['ui']);
    const jira = (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'jira')!;
    expect(jira.warnings?.join(' ')).toMatch(/Jira cannot carry the tag "needs triage"/);
    // A later sync (another field changes) does not drop it from the defect.
    await patchDefect(svc.http, d.key, { title: 'Tags with a space, renamed' });
    await settledLinks(svc.http, d.key, Date.now() - 50);
    await new Promise((r) => setTimeout(r, 300));
    expect((await defectOf(d.key)).tags).toEqual(['needs triage', 'ui']);
  });

  it('a milestone set in GitHub reaches the defect and Asana, counts for readiness, and is a warning in Jira until the version exists', async () => {
    const d = await linkedDefect({ title: 'Milestone in', severity: 'critical' });
    const n = Number(remoteIdOf(d.links, 'github'));
    const milestone = t.github.milestoneByHand('2.5');
    t.github.editByHand(n, { milestone });
    await until('the defect and Asana have it', async () => (await defectOf(d.key)).milestone === '2.5' && asanaMilestone(d.links) === '2.5');
    // Readiness reads the defect's milestone: a critical defect still open holds 2.5 back.
    const ready = (await svc.http.get('/api/milestones/2.5/readiness')).body as { ready: boolean; blocking: { key: string }[] };
    expect(ready.ready).toBe(false);
    expect(ready.blocking.map((b) => b.key)).toContain(d.key);

    const warned = await until('the Jira link warns', async () => {
      const jira = (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'jira')!;
      return jira.warnings?.some((w) => w.includes('no version "2.5"')) && jira;
    });
    expect(warned.syncState).toBe('synced');
    expect(jiraIssue(d.links).fixVersions).toEqual([]);
    expect(t.jira.versions()).not.toContain('2.5'); // not created without jira.createVersions

    // A person makes the version; the next sync sets it and the warning goes.
    t.jira.addVersion('2.5');
    // The connector trusts a listing of the last second for a miss (connectors/jira/versions.ts).
    await new Promise((r) => setTimeout(r, 1100));
    await patchDefect(svc.http, d.key, { description: 'Now with a release to aim at' });
    await until('Jira has the fix version', async () => {
      const jira = (await linksOf(svc.http, d.key)).find((l) => l.tracker === 'jira')!;
      return jiraIssue(d.links).fixVersions[0] === '2.5' && !(jira.warnings ?? []).some((w) => w.includes('2.5'));
    });
  });

  it('a milestone changed in Jira and cleared in Defect Sync cross both ways', async () => {
    const d = await linkedDefect({ title: 'Milestone both ways', milestone: '2.4' });
    t.jira.addVersion('3.0');
    t.jira.edit(remoteIdOf(d.links, 'jira'), { fixVersions: [{ name: '3.0' }] });
    await until('3.0 everywhere', async () => (await defectOf(d.key)).milestone === '3.0' && ghIssue(d.links).milestone?.title === '3.0' && asanaMilestone(d.links) === '3.0');
    await patchDefect(svc.http, d.key, { milestone: null });
    await until('cleared everywhere', () => ghIssue(d.links).milestone === null && jiraIssue(d.links).fixVersions.length === 0 && asanaMilestone(d.links) === null);
  });
});
