// A defect-side description edit never silently deletes what people added to the ticket in rich text
// (review #9, issue 13 item 8). Jira: an image (mediaSingle) and a table a person put in the issue's
// description stay node for node while the edited paragraph changes; an edit that would remove the
// table is not written and the link says why. Asana: bold text, a link and a list in html_notes survive
// the same way. End to end: the API, the workers, the fakes' webhooks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { patchDefect } from '../helpers/fixtures.ts';
import { adfNodes, descriptionFromAdf, footerStart } from '../../connectors/jira/adf.ts';
import type { AdfNode } from '../../connectors/jira/adf-text.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ sendWebhooks: true, debounceMs: 200 }));
});
afterAll(() => stop?.());

const defect = async (key: string) => (await svc.http.get(`/api/defects/${key}`)).body as { description: string };
const linkOf = async (key: string, tracker: string): Promise<Link> => (await linksOf(svc.http, key)).find((l) => l.tracker === tracker)!;

async function syncedDefect(description: string) {
  const res = await svc.http.post('/api/defects').send({ title: 'Rich text kept', description });
  expect(res.status).toBe(201);
  const links = await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  await new Promise((r) => setTimeout(r, 700));
  return { key: res.body.key as string, links };
}

const text = (value: string): AdfNode => ({ type: 'text', text: value });
const para = (value: string): AdfNode => ({ type: 'paragraph', content: [text(value)] });
const IMAGE: AdfNode = {
  type: 'mediaSingle',
  attrs: { layout: 'center' },
  content: [{ type: 'media', attrs: { id: '6e7c8f2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b', type: 'file', collection: 'jira-10001-attachments', width: 640, height: 480 } }],
};
const cell = (value: string): AdfNode => ({ type: 'tableCell', content: [para(value)] });
const TABLE: AdfNode = { type: 'table', content: [{ type: 'tableRow', content: [cell('browser'), cell('result')] }, { type: 'tableRow', content: [cell('Safari'), cell('blank page')] }] };

describe('Jira rich text under a defect-side description edit', () => {
  it('keeps an image and a table a person added while the edited paragraph changes; refuses and warns when the edit would remove the table', async () => {
    const d = await syncedDefect('Paying shows a blank page.\n\nSeen since Monday.');
    const id = remoteIdOf(d.links, 'jira');
    // A person adds a screenshot and a table in Jira, above our footer.
    const nodes = adfNodes(t.jira.issue(id).description);
    const footer = nodes.slice(footerStart(nodes));
    t.jira.edit(id, { description: { type: 'doc', version: 1, content: [para('Paying shows a blank page.'), IMAGE, para('Seen since Monday.'), TABLE, ...footer] } });
    await until('the Jira text in the defect', async () => (await defect(d.key)).description.includes('Safari | blank page'));
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 700));

    // Someone fixes the second paragraph through the API.
    const edited = (await defect(d.key)).description.replace('Seen since Monday.', 'Seen since Monday, on Safari only.');
    await patchDefect(svc.http, d.key, { description: edited });
    await until('the edit in Jira', () => descriptionFromAdf(t.jira.issue(id).description).includes('on Safari only'));
    const doc = adfNodes(t.jira.issue(id).description);
    expect(doc.slice(0, 4)).toEqual([para('Paying shows a blank page.'), IMAGE, para('Seen since Monday, on Safari only.'), TABLE]);
    expect(descriptionFromAdf(t.jira.issue(id).description)).toBe(edited);
    await until('the Jira link synced without warnings', async () => {
      const l = await linkOf(d.key, 'jira');
      return l.syncState === 'synced' && (l.warnings ?? []).length === 0;
    });

    // An edit dropping the table's text would delete the table: not written, said on the link.
    const before = structuredClone(t.jira.issue(id).description);
    const withoutTable = 'Paying shows a blank page.\n\nSeen since Monday, on Safari only.';
    await patchDefect(svc.http, d.key, { description: withoutTable });
    const l = await until('a warning on the Jira link', async () => {
      const link = await linkOf(d.key, 'jira');
      return (link.warnings ?? []).some((w) => w.includes('a table')) && link;
    });
    expect(l.syncState).toBe('synced');
    expect(t.jira.issue(id).description).toEqual(before);
    // The defect keeps its edit: the ticket's older text is not pulled back over it.
    await t.webhooksSettled();
    await new Promise((r) => setTimeout(r, 700));
    expect((await defect(d.key)).description).toBe(withoutTable);
  });
});

describe('Asana rich text under a defect-side description edit', () => {
  it('keeps bold text, a link and a list a person added while a plain paragraph changes; refuses and warns when the edit touches the bold text', async () => {
    const d = await syncedDefect('Paying shows a blank page.\n\nSeen since Monday.');
    const gid = remoteIdOf(d.links, 'asana');
    const task = () => t.asana.task(gid) as { notes: string; html_notes: string };
    // A person formats the notes in Asana, above our footer (the footer as Asana shows it, escaped).
    const html = task().html_notes;
    const footer = html.slice(html.indexOf('---\nSynced by Defect Sync'), -'</body>'.length);
    const person = 'Paying shows a <strong>blank</strong> page.\n\nSeen since Monday.\n\nSee <a href="https://logs.example/run/812">the log</a> and:\n<ul><li>Safari</li><li>Firefox</li></ul>';
    t.asana.editTask(gid, { html_notes: `<body>${person}\n\n${footer}</body>` });
    await until('the Asana text in the defect', async () => (await defect(d.key)).description.includes('Safari\nFirefox'));
    await new Promise((r) => setTimeout(r, 700));

    const edited = (await defect(d.key)).description.replace('Seen since Monday.', 'Seen since Monday & Tuesday.');
    await patchDefect(svc.http, d.key, { description: edited });
    await until('the edit in Asana', () => task().notes.includes('Monday & Tuesday'));
    expect(task().html_notes).toContain('Paying shows a <strong>blank</strong> page.\n\nSeen since Monday &amp; Tuesday.\n\nSee <a href="https://logs.example/run/812">the log</a> and:\n<ul><li>Safari</li><li>Firefox</li></ul>');
    expect(task().html_notes).toContain('Synced by Defect Sync');

    const before = task().html_notes;
    await patchDefect(svc.http, d.key, { description: edited.replace('a blank page', 'an empty page') });
    await until('a warning on the Asana link', async () => ((await linkOf(d.key, 'asana')).warnings ?? []).some((w) => w.includes('formatted text')));
    expect(task().html_notes).toBe(before);
  });
});
