// The exact HTTP each connector's comments capability sends (issue 15), nock standing in for the trackers.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { recordRequests } from './nock-recorder.ts';
import type { OutboundComment, TicketRef } from '../../connectors/contract.ts';
import { connector as githubConnector } from './github/helpers.ts';
import { connectorFor as jiraConnectorFor } from './jira/helpers.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import { asanaMappingSchema } from '../../connectors/asana/mapping.ts';
import { People } from '../../connectors/people.ts';

const CID = '11111111-2222-4333-8444-555555555555';
const ANA: OutboundComment = { commentId: CID, body: 'Which browser?\n\nAnd which OS?', authorName: 'Ana', writtenIn: 'Defect Sync' };

const { seen, answer } = recordRequests();

describe('GitHub issue comments', () => {
  const API = 'https://api.github.com';
  const REF: TicketRef = { remoteId: '12', key: 'acme/app#12', url: 'https://github.com/acme/app/issues/12' };
  const made = { id: 77, body: 'x', user: { login: 'defect-sync-bot' }, created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z' };

  it('creates with the attribution and an HTML-comment marker, one POST', async () => {
    nock(API).post('/repos/acme/app/issues/12/comments').reply(answer(201, made));
    const r = await githubConnector().comments!.create(REF, ANA);
    expect(seen.map(({ headers: _, ...s }) => s)).toEqual([{ method: 'POST', path: '/repos/acme/app/issues/12/comments', body: { body: `**Ana** wrote in Defect Sync:\n\nWhich browser?\n\nAnd which OS?\n\n<!-- defect-sync-comment-${CID} -->` } }]);
    expect(r).toMatchObject({ remoteId: '77', authorName: 'defect-sync-bot' });
  });

  it('edits with PATCH …/issues/comments/{id}, deletes with DELETE (a 404 is already gone), lists pages of 100', async () => {
    nock(API).patch('/repos/acme/app/issues/comments/77').reply(answer(200, made));
    nock(API).delete('/repos/acme/app/issues/comments/77').reply(answer(204, ''));
    nock(API).delete('/repos/acme/app/issues/comments/78').reply(answer(404, { message: 'Not Found' }));
    nock(API).get('/repos/acme/app/issues/12/comments').query({ per_page: '100', page: '1' }).reply(answer(200, [{ ...made, body: `hi\n\n<!-- defect-sync-comment-${CID} -->` }, { ...made, id: 80, body: 'a person', user: { login: 'octo' } }]));
    const c = githubConnector().comments!;
    await c.update(REF, '77', { ...ANA, raw: true });
    expect(seen[0]).toMatchObject({ method: 'PATCH', body: { body: ANA.body } });
    await c.delete(REF, '77');
    await c.delete(REF, '78');
    const listed = await c.list(REF);
    expect(listed.map((x) => [x.remoteId, x.markerCommentId, x.authorName])).toEqual([['77', CID, 'defect-sync-bot'], ['80', null, 'octo']]);
  });
});

describe('Jira comments (REST v3, ADF)', () => {
  const BASE = 'https://acme.atlassian.net';
  const REF: TicketRef = { remoteId: '10001', key: 'QA-1', url: `${BASE}/browse/QA-1` };
  const made = { id: '5000', body: { type: 'doc', version: 1, content: [] }, author: { displayName: 'Defect Sync' }, created: '2026-12-01T10:00:00.000+0000', updated: '2026-12-01T10:00:00.000+0000' };

  it('creates an ADF document: bold author, the paragraphs, the marker as the last paragraph', async () => {
    nock(BASE).post('/rest/api/3/issue/10001/comment').reply(answer(201, made));
    await jiraConnectorFor(BASE).comments!.create(REF, ANA);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toMatchObject({
      body: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Ana', marks: [{ type: 'strong' }] }, { type: 'text', text: ' wrote in Defect Sync:' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Which browser?' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'And which OS?' }] },
          { type: 'paragraph', content: [{ type: 'text', text: `defect-sync-comment-${CID}` }] },
        ],
      },
    });
  });

  it('lists ordered by creation, edits with PUT, deletes with DELETE', async () => {
    const doc = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
    nock(BASE).get('/rest/api/3/issue/10001/comment').query({ startAt: '0', maxResults: '100', orderBy: 'created' })
      .reply(answer(200, { startAt: 0, maxResults: 100, total: 1, comments: [{ ...made, body: doc('Bob here'), author: { displayName: 'Bob Jones' } }] }));
    nock(BASE).put('/rest/api/3/issue/10001/comment/5000').reply(answer(200, made));
    nock(BASE).delete('/rest/api/3/issue/10001/comment/5000').reply(answer(204, ''));
    const c = jiraConnectorFor(BASE).comments!;
    expect(await c.list(REF)).toMatchObject([{ remoteId: '5000', body: 'Bob here', authorName: 'Bob Jones', markerCommentId: null }]);
    await c.update(REF, '5000', { ...ANA, raw: true });
    expect(seen[1]).toMatchObject({ method: 'PUT', body: { body: { type: 'doc', content: [{ type: 'paragraph' }, { type: 'paragraph' }] } } });
    await c.delete(REF, '5000');
  });
});

describe('Asana comment stories', () => {
  const API = 'https://app.asana.com';
  const TASK = '1209000000000123';
  const REF: TicketRef = { remoteId: TASK, key: TASK, url: 'https://app.asana.com/x' };
  const connector = () =>
    createAsanaConnector({
      settings: { token: 'asana-token', workspaceGid: '1200000000000007', projectGid: '1200000000000100', apiUrl: 'https://app.asana.com/api/1.0' },
      mapping: asanaMappingSchema.parse({}),
      people: new People([]),
    });
  const story = { gid: '1300', type: 'comment', resource_subtype: 'comment_added', text: 'x', created_by: { name: 'Defect Sync' }, created_at: '2026-12-01T10:00:00.000Z' };

  it('creates with POST /tasks/{gid}/stories {data:{text}}: attribution, body, marker line', async () => {
    // nock matches the body exactly: any other request is refused and the create fails.
    nock(API)
      .post(`/api/1.0/tasks/${TASK}/stories`, { data: { text: `Ana wrote in Defect Sync:\n\nWhich browser?\n\nAnd which OS?\n\ndefect-sync-comment-${CID}` } })
      .query({ opt_fields: 'text,type,resource_subtype,created_by.name,created_at' })
      .reply(201, { data: story });
    expect(await connector().comments!.create(REF, ANA)).toMatchObject({ remoteId: '1300', authorName: 'Defect Sync' });
  });

  it('lists only comment stories, edits with PUT /stories/{gid}, deletes with DELETE /stories/{gid}', async () => {
    nock(API).get(`/api/1.0/tasks/${TASK}/stories`).query(true).reply(200, { data: [story, { gid: '1301', type: 'system', resource_subtype: 'name_changed', text: 'changed the name' }], next_page: null });
    nock(API).put('/api/1.0/stories/1300', { data: { text: ANA.body } }).query(true).reply(200, { data: story });
    nock(API).delete('/api/1.0/stories/1300').reply(200, { data: {} });
    const c = connector().comments!;
    expect((await c.list(REF)).map((s) => s.remoteId)).toEqual(['1300']);
    await c.update(REF, '1300', { ...ANA, raw: true });
    await c.delete(REF, '1300');
  });
});
