// The fake Jira itself must refuse what Jira Cloud refuses, or it would hide connector bugs. These
// requests go straight over HTTP, bypassing the connector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { createJiraFake, type JiraFake } from '../../../fakes/jira/server.ts';
import { basicAuth } from './helpers.ts';

let fake: JiraFake;
const doc = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  fake = createJiraFake({ users: [{ accountId: '557058:alice-0001', displayName: 'Alice' }] });
  await fake.tracker.start();
});

afterAll(async () => {
  await fake.tracker.stop();
  nock.enableNetConnect();
});

async function api(method: string, path: string, body?: unknown, auth = basicAuth()) {
  const res = await fetch(`${fake.tracker.baseUrl}${path}`, {
    method,
    headers: { authorization: auth, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, headers: res.headers };
}

const valid = { project: { key: 'QA' }, issuetype: { name: 'Bug' }, summary: 'A bug', description: doc('text'), priority: { name: 'High' }, labels: ['ok-label'] };

describe('fake Jira validation', () => {
  it('creates a valid issue (201 {id,key,self})', async () => {
    const res = await api('POST', '/rest/api/3/issue', { fields: valid });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), key: 'QA-1', self: expect.stringContaining('/rest/api/3/issue/') });
  });

  it.each([
    ['a plain-string description (v2 style)', { description: 'plain text' }, 'description', 'Operation value must be an Atlassian Document'],
    ['an ADF text node without text', { description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] } }, 'description', 'Atlassian Document'],
    ['a label with a space', { labels: ['defect sync'] }, 'labels', "The label 'defect sync' contains spaces which is invalid."],
    ['another issue type', { issuetype: { name: 'Task' } }, 'issuetype', 'Specify a valid issue type'],
    ['an unknown priority', { priority: { name: 'Urgent' } }, 'priority', "Priority name 'Urgent' is not valid"],
    ['an unknown account', { assignee: { accountId: 'nobody' } }, 'assignee', "User 'nobody' cannot be assigned issues."],
    ['a summary with a newline', { summary: 'two\nlines' }, 'summary', 'newline'],
    ['a summary over 255 characters', { summary: 'x'.repeat(256) }, 'summary', 'less than 255'],
    ['an unknown project', { project: { key: 'NOPE' } }, 'project', 'valid project is required'],
    ['an unknown field', { customfield_1: 'x' }, 'customfield_1', 'cannot be set'],
  ])('refuses %s with 400 naming the field', async (_what, patch, field, message) => {
    const res = await api('POST', '/rest/api/3/issue', { fields: { ...valid, ...patch } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errorMessages: [], errors: { [field]: expect.stringContaining(message) } });
  });

  it('refuses a plain-string description on edit too', async () => {
    const res = await api('PUT', '/rest/api/3/issue/QA-1', { fields: { description: 'plain' } });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toHaveProperty('description');
  });

  it('answers 404 with Jira’s text for a missing issue', async () => {
    const res = await api('GET', '/rest/api/3/issue/QA-404');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
  });

  it('answers 401 for wrong Basic credentials', async () => {
    const res = await api('GET', '/rest/api/3/issue/QA-1', undefined, basicAuth('qa.bot@example.com', 'wrong'));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'Client must be authenticated to access this resource.' });
  });

  it('has removed the legacy search (410)', async () => {
    const res = await api('GET', '/rest/api/3/search?jql=project%20%3D%20QA');
    expect(res.status).toBe(410);
  });

  it('answers ids only from search/jql unless fields are asked for', async () => {
    const jql = encodeURIComponent('project = "QA" AND labels = "ok-label"');
    const bare = await api('GET', `/rest/api/3/search/jql?jql=${jql}`);
    expect(bare.body).toEqual({ issues: [{ id: expect.any(String) }], isLast: true });
    const withFields = await api('GET', `/rest/api/3/search/jql?jql=${jql}&fields=labels&fields=summary`);
    expect(withFields.body?.issues).toEqual([expect.objectContaining({ key: 'QA-1', fields: { labels: ['ok-label'], summary: 'A bug' } })]);
    const none = await api('GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('project = "QA" AND labels = "other"')}`);
    expect(none.body?.issues).toEqual([]);
  });

  it('refuses JQL it cannot parse and unknown projects with 400', async () => {
    expect((await api('GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('project ~ QA')}`)).status).toBe(400);
    expect((await api('GET', `/rest/api/3/search/jql?jql=${encodeURIComponent('project = "NOPE"')}`)).status).toBe(400);
  });

  it('offers transitions with their target status and refuses an invalid transition id', async () => {
    const list = await api('GET', '/rest/api/3/issue/QA-1/transitions');
    const transitions = list.body?.transitions as { id: string; to: { name: string; statusCategory: { key: string } } }[];
    expect(transitions.map((t) => t.to.name)).toEqual(['In Progress', 'Done', "Won't Do"]);
    expect(transitions[1]!.to.statusCategory.key).toBe('done');
    const bad = await api('POST', '/rest/api/3/issue/QA-1/transitions', { transition: { id: '999' } });
    expect(bad.status).toBe(400);
    expect(bad.body?.errorMessages).toEqual(["Transition id '999' is not valid for this issue."]);
    expect((await api('POST', '/rest/api/3/issue/QA-1/transitions', { transition: { id: '31' } })).status).toBe(204);
    expect(fake.issue('QA-1').statusId).toBe('10002');
  });

  it('keeps resolving the old key after a move', async () => {
    expect(fake.moveIssue(fake.issue('QA-1').id, 'OPS-3')).toBe('OPS-3');
    const res = await api('GET', '/rest/api/3/issue/QA-1?fields=summary');
    expect(res.body).toMatchObject({ key: 'OPS-3', fields: { summary: 'A bug' } });
    // Given a project key, the issue takes the next number there; every old key still resolves.
    expect(fake.moveIssue('OPS-3', 'web')).toBe('WEB-1');
    expect((await api('GET', '/rest/api/3/issue/QA-1?fields=summary')).body).toMatchObject({ key: 'WEB-1' });
    expect((await api('GET', '/rest/api/3/issue/OPS-3?fields=summary')).body).toMatchObject({ key: 'WEB-1' });
  });
});
