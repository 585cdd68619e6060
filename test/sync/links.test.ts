// POST /api/defects/:idOrKey/links: linking an existing ticket instead of letting the worker create one.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testApi } from '../helpers/context.ts';
import { createDefect } from '../helpers/fixtures.ts';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { findMarker } from '../../connectors/marker.ts';
import { SyncLocks } from '../../src/sync/lock.ts';
import { databaseUrl } from '../helpers/context.ts';
import pg from 'pg';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ debounceMs: 100 }));
});
afterAll(() => stop?.());
afterEach(() => t.clearFaults());

const githubLink = (defectId: string) => svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId, connection: 'github' } } });

/** A defect from before any tracker was configured: it has no tickets yet and no job pending. */
async function legacyDefect(title: string) {
  const d = await svc.prisma.defect.create({ data: { title, description: 'Reported before the trackers were connected.', severity: 'critical' } });
  return { id: d.id, key: `DEF-${d.number}` };
}

async function jiraIssueByHand(summary: string): Promise<{ id: string; key: string }> {
  const res = await fetch(`${t.jira.tracker.baseUrl}/rest/api/3/issue`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${t.jira.email}:${t.jira.apiToken}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fields: { project: { key: 'QA' }, issuetype: { name: 'Bug' }, summary } }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe('linking an existing ticket', () => {
  it('links a GitHub issue by URL, then brings it up to date and creates the missing tickets elsewhere', async () => {
    const d = await legacyDefect('Export drops the last row');
    const issue = t.github.createByHand({ title: 'export bug (filed by support)', body: 'Customer says the CSV is short.' }) as { number: number; html_url: string };
    const res = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ tracker: 'github', remoteId: String(issue.number), key: `acme/app#${issue.number}`, url: issue.html_url, syncState: 'pending' });

    await until('the linked issue to show the defect', () => {
      const now = t.github.issue(issue.number) as { title: string; body: string; labels: { name: string }[] };
      return now.title === 'Export drops the last row' && findMarker(now.body) === d.id && now.labels.some((l) => l.name === 'severity: critical');
    });
    const links = await until('all three links synced', async () => {
      const l = (await svc.http.get(`/api/defects/${d.key}/links`)).body.data as { tracker: string; syncState: string }[];
      return l.length === 3 && l.every((x) => x.syncState === 'synced') && l;
    });
    expect(links.map((l) => l.tracker)).toEqual(['github', 'jira', 'asana']);
    const tickets = t.ticketsFor(d.id);
    expect([tickets.github.length, tickets.jira.length, tickets.asana.length]).toEqual([1, 1, 1]);
    expect(t.github.issues().filter((i) => i.number === issue.number)).toHaveLength(1);

    const again = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', key: `#${issue.number}` });
    expect(again.status).toBe(200);
  });

  it('links a Jira issue by key and an Asana task by URL', async () => {
    const d = await legacyDefect('Avatar upload hangs');
    const jira = await jiraIssueByHand('Avatar upload');
    const task = t.asana.addTask({ name: 'Avatar upload hangs (design review)' });
    const url = `https://app.asana.com/0/${t.asana.project.gid}/${task.gid}`;
    const j = await svc.http.post(`/api/defects/${d.id}/links`).send({ tracker: 'jira', key: jira.key });
    expect(j.status, JSON.stringify(j.body)).toBe(201);
    expect(j.body).toMatchObject({ tracker: 'jira', remoteId: jira.id, key: jira.key });
    const a = await svc.http.post(`/api/defects/${d.id}/links`).send({ tracker: 'asana', url });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body).toMatchObject({ tracker: 'asana', remoteId: task.gid });
    await until('both updated', () => {
      const summary = (t.jira.issue(jira.id) as { summary: string }).summary;
      return summary === 'Avatar upload hangs' && (t.asana.task(task.gid) as { name: string }).name === 'Avatar upload hangs';
    });
  });

  it('answers 404 for a ticket that does not exist, and for an unknown defect', async () => {
    const d = await legacyDefect('Nothing to link');
    const res = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', key: '#99999' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', details: { resource: 'github ticket', id: '#99999' } });
    const jira = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'jira', key: 'QA-4242' });
    expect(jira.status).toBe(404);
    const unknown = await svc.http.post('/api/defects/DEF-999999/links').send({ tracker: 'github', key: '#1' });
    expect(unknown.status).toBe(404);
    expect(await svc.prisma.trackerLink.count({ where: { defectId: d.id } })).toBe(0);
  });

  it('refuses a ticket already linked to another defect, and a second ticket for the same tracker', async () => {
    const first = await legacyDefect('First owner');
    const second = await legacyDefect('Second owner');
    const issue = t.github.createByHand({ title: 'shared' }) as { number: number };
    expect((await svc.http.post(`/api/defects/${first.key}/links`).send({ tracker: 'github', key: String(issue.number) })).status).toBe(201);
    const taken = await svc.http.post(`/api/defects/${second.key}/links`).send({ tracker: 'github', key: String(issue.number) });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain(first.key);
    const other = t.github.createByHand({ title: 'another' }) as { number: number };
    const twice = await svc.http.post(`/api/defects/${first.key}/links`).send({ tracker: 'github', key: String(other.number) });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain('already linked');
  });

  it('links one ticket to one defect only, even when several defects ask for it at once', async () => {
    const defects = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => legacyDefect(`Racing owner ${i}`)));
    const issue = t.github.createByHand({ title: 'wanted by all' }) as { number: number };
    // Hold every insert into TrackerLink (reads go on) until all six requests have checked that the ticket is free.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "TrackerLink" IN SHARE MODE');
    const pending = Promise.all(defects.map((d) => svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', key: String(issue.number) })));
    await new Promise((r) => setTimeout(r, 1500));
    await blocker.query('COMMIT');
    await blocker.end();
    const answers = await pending;
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.message).toMatch(/already linked/);
    // Among these six defects (other files' fakes numbered their issues alike; their links are theirs).
    expect(await svc.prisma.trackerLink.count({ where: { tracker: 'github', remoteId: String(issue.number), defectId: { in: defects.map((d) => d.id) } } })).toBe(1);
  });

  it('refuses a ticket outside the configured repository with 422 and the reason', async () => {
    const d = await legacyDefect('Wrong repo');
    const res = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: 'https://github.com/someone/else/issues/3' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('tracker_rejected');
    expect(res.body.error.message).toMatch(/someone\/else/);
  });

  it('names the field for bad input', async () => {
    const d = await legacyDefect('Bad input');
    const cases: [unknown, string][] = [
      [{ tracker: 'github' }, 'key'],
      [{ tracker: 'github', key: '1', url: 'https://github.com/acme/app/issues/1' }, 'key'],
      [{ tracker: 'trello', key: '1' }, 'tracker'],
      [{ tracker: 'github', url: 'not a url' }, 'url'],
      [{ tracker: 'github', key: '1', colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await svc.http.post(`/api/defects/${d.key}/links`).send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field), JSON.stringify(body)).toContain(field);
    }
  });
});

describe('linking the same ticket again', () => {
  it('brings back a link that went missing while the tracker answered 404 (a token without access)', async () => {
    const d = await legacyDefect('Lost behind a permission change');
    const issue = t.github.createByHand({ title: 'permission test' }) as { number: number; html_url: string };
    expect((await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url })).status).toBe(201);
    await until('synced', async () => (await githubLink(d.id))?.syncState === 'synced');

    // GitHub answers 404 for issues a token cannot see: the next sync records the ticket as missing.
    t.github.tracker.fail({ route: 'ticket.update', status: 404, times: 1000 });
    await svc.http.patch(`/api/defects/${d.key}`).send({ title: 'Edited while GitHub said 404' }).expect(200);
    await until('missing', async () => (await githubLink(d.id))?.syncState === 'missing');
    t.clearFaults();

    const again = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ tracker: 'github', remoteId: String(issue.number), syncState: 'pending' });
    await until('synced again, with the edit made meanwhile', async () => {
      const l = await githubLink(d.id);
      return l?.syncState === 'synced' && (t.github.issue(issue.number) as { title: string }).title === 'Edited while GitHub said 404';
    });
  });
});

describe('linking again keeps what people did in the tracker meanwhile', () => {
  it('pulls a title a person changed in GitHub while the link was missing, and still pushes the defect\'s own edit', async () => {
    const d = await legacyDefect('Title before the outage');
    const issue = t.github.createByHand({ title: 'whatever' }) as { number: number; html_url: string };
    expect((await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url })).status).toBe(201);
    await until('synced', async () => (await githubLink(d.id))?.syncState === 'synced' && (t.github.issue(issue.number) as { title: string }).title === 'Title before the outage');

    t.github.tracker.fail({ route: 'ticket.update', status: 404, times: 1000 });
    await svc.http.patch(`/api/defects/${d.key}`).send({ severity: 'low' }).expect(200);
    await until('missing', async () => (await githubLink(d.id))?.syncState === 'missing');
    t.clearFaults();
    // Meanwhile a person renames the issue in GitHub (the engine skips a missing link, so nothing moves yet).
    t.github.editByHand(issue.number, { title: 'Renamed in GitHub during the outage' });

    const again = await svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    await until('the defect takes the GitHub title and GitHub takes the defect severity', async () => {
      const defect = (await svc.http.get(`/api/defects/${d.key}`)).body as { title: string };
      const now = t.github.issue(issue.number) as { title: string; labels: { name: string }[] };
      return (await githubLink(d.id))?.syncState === 'synced' && defect.title === 'Renamed in GitHub during the outage' && now.labels.some((l) => l.name === 'severity: low');
    });
    expect((t.github.issue(issue.number) as { title: string }).title).toBe('Renamed in GitHub during the outage');
  });

  it('a first link takes the ticket\'s description when the defect has none, instead of wiping it', async () => {
    const d = await svc.prisma.defect.create({ data: { title: 'No description yet', description: '', severity: 'high' } });
    const key = `DEF-${d.number}`;
    const jira = await jiraIssueByHand('Has a description');
    await fetch(`${t.jira.tracker.baseUrl}/rest/api/3/issue/${jira.id}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${t.jira.email}:${t.jira.apiToken}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Steps: open the export page twice.' }] }] } } }),
    }).then((r) => expect(r.status).toBe(204));
    expect((await svc.http.post(`/api/defects/${key}/links`).send({ tracker: 'jira', key: jira.key })).status).toBe(201);
    await until('the defect takes the Jira description', async () => {
      const defect = (await svc.http.get(`/api/defects/${key}`)).body as { description: string };
      return defect.description === 'Steps: open the export page twice.';
    });
    await until('jira synced', async () => (await svc.prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId: d.id, connection: 'jira' } } }))?.syncState === 'synced');
    expect(JSON.stringify((t.jira.issue(jira.id) as { description: unknown }).description)).toContain('Steps: open the export page twice.');
    expect((t.jira.issue(jira.id) as { summary: string }).summary).toBe('No description yet');
  });
});

describe('linking while a sync of the same ticket runs', () => {
  it('answers 409 instead of 500, and never holds up other writes of the defect', async () => {
    const d = await legacyDefect('Linked during a slow sync');
    const issue = t.github.createByHand({ title: 'slow sync' }) as { number: number; html_url: string };
    // A sync of this defect's GitHub ticket in progress: the engine's own lock, held as a slow tracker would.
    const locks = new SyncLocks(databaseUrl, 1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const locked = new Promise<void>((started) => void locks.withLock(d.id, 'github', () => (started(), held)));
    try {
      await locked;
      const linking = svc.http.post(`/api/defects/${d.key}/links`).send({ tracker: 'github', url: issue.html_url }).then((r) => r);
      await new Promise((r) => setTimeout(r, 300)); // the link request is now waiting for the sync
      const started = Date.now();
      const patch = await svc.http.patch(`/api/defects/${d.key}`).send({ milestone: 'R2' });
      expect(patch.status, JSON.stringify(patch.body)).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
      const link = await linking;
      expect(link.status, JSON.stringify(link.body)).toBe(409);
      expect(link.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/sync .* running; try again/) });
    } finally {
      release();
      await locks.close();
    }
  });
});

describe('linking with no tracker configured', () => {
  const { http } = testApi();
  it('answers 400 naming the tracker', async () => {
    const d = await createDefect(http);
    const res = await http.post(`/api/defects/${d.key}/links`).send({ tracker: 'jira', key: 'QA-1' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('tracker: jira is not configured (configured: none)');
    expect(res.body.error.details.fields).toEqual([{ field: 'tracker', message: 'is not configured' }]);
  });
});
