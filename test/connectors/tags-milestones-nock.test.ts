// The exact HTTP each connector sends for tags and milestones (issue 15 part 2), with nock standing in for
// the tracker: GitHub labels and milestones (listed once, created on first use), Jira labels as add/remove
// operations beside the marker and fix versions by name (created only with jira.createVersions), Asana
// tags (workspace tags created on first use, one addTag/removeTag call each) and a text custom field.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { recordRequests } from './nock-recorder.ts';
import type { TicketChange, TicketFields, TicketRef } from '../../connectors/contract.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import { asanaMappingSchema } from '../../connectors/asana/mapping.ts';
import { People } from '../../connectors/people.ts';
import { connector as githubConnector, issueJson as githubIssue, ticket as githubTicket } from './github/helpers.ts';
import { basicAuth, connectorFor as jiraConnector, MARKER, ticket as jiraTicket } from './jira/helpers.ts';
import { ticket } from './shared.ts';

const changes = (...c: TicketChange[]) => new Set<TicketChange>(c);
const { seen, answer, calls } = recordRequests();

describe('GitHub', () => {
  const API = 'https://api.github.com';
  const REF: TicketRef = { remoteId: '12', key: 'acme/app#12', url: 'https://github.com/acme/app/issues/12' };

  it('create: lists the milestones once (open and closed), makes a missing one, sends tags as labels beside the severity label', async () => {
    nock(API)
      .get('/repos/acme/app/milestones')
      .query({ state: 'all', per_page: '100', page: '1' })
      .reply(answer(200, [{ number: 1, title: 'Old', state: 'closed' }]))
      .post('/repos/acme/app/milestones')
      .reply(answer(201, { number: 2, title: '2.4', state: 'open' }))
      .post('/repos/acme/app/issues')
      .reply(answer(201, githubIssue({ labels: ['severity: high', 'payments', 'ui'] })))
      .post('/repos/acme/app/issues')
      .reply(answer(201, githubIssue({ number: 13, labels: ['severity: high'] })));
    const gh = githubConnector();
    // "severity: low" is a severity label, 51 characters is too long: neither is sent as a tag.
    await gh.create(githubTicket({ tags: ['payments', 'ui', 'severity: low', 'x'.repeat(51)], milestone: '2.4' }));
    // A closed milestone is matched by its title (any case), without listing again.
    await gh.create(githubTicket({ milestone: 'old' }));
    expect(calls()).toEqual(['GET /repos/acme/app/milestones?state=all&per_page=100&page=1', 'POST /repos/acme/app/milestones', 'POST /repos/acme/app/issues', 'POST /repos/acme/app/issues']);
    expect(seen[1]!.body).toEqual({ title: '2.4' });
    expect(seen[2]!.body).toMatchObject({ labels: ['severity: high', 'payments', 'ui'], milestone: 2 });
    expect(seen[3]!.body).toMatchObject({ labels: ['severity: high'], milestone: 1 });
  });

  it('update: adds the new tags in one call and removes each old one, leaving severity labels alone; a cleared milestone is null', async () => {
    const previous: TicketFields = { ...githubTicket().fields, tags: ['old', 'payments'] };
    nock(API)
      .get('/repos/acme/app/issues/12')
      .reply(answer(200, githubIssue({ labels: ['severity: high', 'old', 'payments'] })))
      .patch('/repos/acme/app/issues/12')
      .reply(answer(200, githubIssue()))
      .post('/repos/acme/app/issues/12/labels')
      .reply(answer(200, [{ name: 'severity: high' }, { name: 'payments' }, { name: 'ui' }, { name: 'flaky' }, { name: 'old' }]))
      .delete('/repos/acme/app/issues/12/labels/old')
      .reply(answer(200, [{ name: 'severity: high' }, { name: 'payments' }, { name: 'ui' }, { name: 'flaky' }]));
    const gh = githubConnector();
    await gh.read(REF);
    await gh.update(REF, githubTicket({ tags: ['flaky', 'payments', 'ui'], milestone: null }), changes('tags', 'milestone'), previous);
    expect(calls()).toEqual(['GET /repos/acme/app/issues/12', 'PATCH /repos/acme/app/issues/12', 'POST /repos/acme/app/issues/12/labels', 'DELETE /repos/acme/app/issues/12/labels/old']);
    expect(seen[1]!.body).toEqual({ milestone: null });
    expect(seen[2]!.body).toEqual({ labels: ['flaky', 'ui'] });
  });
});

describe('Jira', () => {
  const BASE = 'https://acme.atlassian.net';
  const ID = '10001';
  const REF: TicketRef = { remoteId: ID, key: 'QA-12', url: `${BASE}/browse/QA-12` };
  const api = () => nock(BASE).matchHeader('authorization', basicAuth());

  it('create: looks the version up by name and sends fixVersions and the tags beside the marker label', async () => {
    api()
      .get('/rest/api/3/project/QA/versions')
      .reply(answer(200, [{ id: '10100', name: '2.4', projectId: 10000 }]))
      .post('/rest/api/3/issue')
      .reply(answer(201, { id: ID, key: 'QA-12' }));
    // A tag with a space cannot be a Jira label: left out.
    await jiraConnector(BASE).create(jiraTicket({ tags: ['payments', 'needs triage'], milestone: '2.4' }));
    expect(calls()).toEqual(['GET /rest/api/3/project/QA/versions', 'POST /rest/api/3/issue']);
    expect(seen[1]!.body).toMatchObject({ fields: { labels: [MARKER, 'payments'], fixVersions: [{ name: '2.4' }] } });
  });

  it('create: a missing version is withheld with a warning, not sent (Jira would refuse the whole issue)', async () => {
    api().get('/rest/api/3/project/QA/versions').reply(answer(200, [])).post('/rest/api/3/issue').reply(answer(201, { id: ID, key: 'QA-12' }));
    const made = await jiraConnector(BASE).create(jiraTicket({ milestone: '9.9' }));
    expect((seen[1]!.body as { fields: Record<string, unknown> }).fields).not.toHaveProperty('fixVersions');
    expect(made.withheld).toEqual([{ change: 'milestone', reason: expect.stringContaining('has no version "9.9"') }]);
  });

  it('update with jira.createVersions: makes the version in the project, then sets it', async () => {
    api()
      .get('/rest/api/3/project/QA/versions')
      .reply(answer(200, []))
      .get('/rest/api/3/project/QA')
      .reply(answer(200, { id: '10000', key: 'QA' }))
      .post('/rest/api/3/version')
      .reply(answer(201, { id: '10101', name: '3.0', projectId: 10000 }))
      .put(`/rest/api/3/issue/${ID}`)
      .query({ returnIssue: 'true' })
      .reply(answer(200, { id: ID, key: 'QA-12' }));
    const jira = jiraConnector(BASE, { mapping: { createVersions: true } });
    const done = await jira.update(REF, jiraTicket({ milestone: '3.0' }), changes('milestone'));
    expect(done.withheld).toBeUndefined();
    expect(calls()).toEqual(['GET /rest/api/3/project/QA/versions', 'GET /rest/api/3/project/QA', 'POST /rest/api/3/version', 'PUT /rest/api/3/issue/10001?returnIssue=true']);
    expect(seen[2]!.body).toEqual({ name: '3.0', projectId: 10000 });
    expect(seen[3]!.body).toEqual({ fields: { fixVersions: [{ name: '3.0' }] } });
  });

  it('update: tags as add and remove operations from the last snapshot, so the marker and labels a person added stay', async () => {
    api().put(`/rest/api/3/issue/${ID}`).query({ returnIssue: 'true' }).reply(answer(200, { id: ID, key: 'QA-12' }));
    const previous = { ...jiraTicket().fields, tags: ['old', 'payments'] };
    await jiraConnector(BASE).update(REF, jiraTicket({ tags: ['payments', 'ui'] }), changes('tags'), previous);
    expect(seen[0]!.body).toEqual({ fields: {}, update: { labels: [{ add: 'ui' }, { remove: 'old' }] } });
  });
});

describe('Asana', () => {
  const API = 'https://app.asana.com';
  const WORKSPACE = '1200000000000007';
  const PROJECT = '1200000000000100';
  const TASK = '1209000000000123';
  const MILESTONE_FIELD = '1200000000000600';
  const REF: TicketRef = { remoteId: TASK, key: TASK, url: '' };
  const asana = () =>
    createAsanaConnector({
      settings: { token: 't', workspaceGid: WORKSPACE, projectGid: PROJECT, apiUrl: `${API}/api/1.0` },
      mapping: asanaMappingSchema.parse({ milestoneField: { gid: MILESTONE_FIELD } }),
      people: new People([]),
    });
  const task = { gid: TASK, permalink_url: '', projects: [{ gid: PROJECT }] };

  it('create: finds or makes each workspace tag, sends their gids and the milestone text field', async () => {
    nock(API)
      .get(`/api/1.0/workspaces/${WORKSPACE}/tags`)
      .query({ limit: '100', opt_fields: 'name' })
      .reply(answer(200, { data: [{ gid: '501', name: 'payments' }], next_page: null }))
      .post(`/api/1.0/workspaces/${WORKSPACE}/tags`)
      .query(true)
      .reply(answer(201, { data: { gid: '502', name: 'ui' } }))
      .post('/api/1.0/tasks')
      .query(true)
      .reply(answer(201, { data: task }));
    await asana().create(ticket({ tags: ['payments', 'ui'], milestone: '2.4' }));
    expect(calls().map((c) => c.replace(/\?.*$/, ''))).toEqual([`GET /api/1.0/workspaces/${WORKSPACE}/tags`, `POST /api/1.0/workspaces/${WORKSPACE}/tags`, 'POST /api/1.0/tasks']);
    const posted = seen.find((s) => s.method === 'POST' && s.path.includes('/tags'))!;
    expect(posted.body).toEqual({ data: { name: 'ui' } });
    expect((seen.at(-1)!.body as { data: Record<string, unknown> }).data).toMatchObject({ tags: ['501', '502'], custom_fields: { [MILESTONE_FIELD]: '2.4' } });
  });

  it('update: one addTag or removeTag per tag (PUT cannot write tags), the milestone in custom_fields', async () => {
    nock(API)
      .get(`/api/1.0/tasks/${TASK}`)
      .query((q) => String(q['opt_fields']).includes('tags.name'))
      .reply(answer(200, { data: { ...task, tags: [{ gid: '501', name: 'payments' }, { gid: '503', name: 'old' }] } }))
      .get(`/api/1.0/workspaces/${WORKSPACE}/tags`)
      .query(true)
      .reply(answer(200, { data: [{ gid: '504', name: 'flaky' }], next_page: null }))
      .post(`/api/1.0/tasks/${TASK}/addTag`)
      .reply(answer(200, { data: {} }))
      .post(`/api/1.0/tasks/${TASK}/removeTag`)
      .reply(answer(200, { data: {} }))
      .put(`/api/1.0/tasks/${TASK}`)
      .query(true)
      .reply(answer(200, { data: task }));
    await asana().update(REF, ticket({ tags: ['flaky', 'payments'], milestone: null }), changes('tags', 'milestone'));
    expect(calls().map((c) => c.replace(/\?.*$/, ''))).toEqual([
      `GET /api/1.0/tasks/${TASK}`,
      `GET /api/1.0/workspaces/${WORKSPACE}/tags`,
      `POST /api/1.0/tasks/${TASK}/addTag`,
      `POST /api/1.0/tasks/${TASK}/removeTag`,
      `PUT /api/1.0/tasks/${TASK}`,
    ]);
    expect(seen[2]!.body).toEqual({ data: { tag: '504' } });
    expect(seen[3]!.body).toEqual({ data: { tag: '503' } });
    expect(seen[4]!.body).toEqual({ data: { custom_fields: { [MILESTONE_FIELD]: null } } });
  });
});
