// The exact HTTP each connector's configuration check sends, and how it reads the answers: GitHub's user,
// repository (permissions, has_issues) and hooks (a 403/404 there is "cannot verify", never an error);
// Jira's myself, project, and the issue type's create metadata, paged, with required fields judged against
// createFields and the fields the connector sends itself; Asana's user and project. nock answers.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connector as githubConnector, TOKEN } from '../connectors/github/helpers.ts';
import { basicAuth, connectorFor as jiraConnector } from '../connectors/jira/helpers.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import { asanaMappingSchema } from '../../connectors/asana/mapping.ts';
import { People } from '../../connectors/people.ts';
import type { CheckContext } from '../../connectors/contract.ts';

const GH = 'https://api.github.com';
const JIRA = 'https://acme.atlassian.net';
const ASANA = 'https://app.asana.com/api/1.0';
const HOOKED: CheckContext = { webhook: { url: 'https://defects.example.com/webhooks/github/shop', paths: ['/webhooks/github/shop'] } };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

const github = () => nock(GH).matchHeader('authorization', `token ${TOKEN}`).matchHeader('x-github-api-version', '2022-11-28');
const repo = (over: Record<string, unknown> = {}) => ({ full_name: 'acme/app', has_issues: true, archived: false, permissions: { admin: false, maintain: false, push: true, triage: true, pull: true }, ...over });

describe('GitHub check', () => {
  it('reads GET /user, GET /repos/{o}/{r} and GET /repos/{o}/{r}/hooks, and finds the hook by its path', async () => {
    github().get('/user').reply(200, { login: 'defect-sync-bot' });
    github().get('/repos/acme/app').reply(200, repo());
    github()
      .get('/repos/acme/app/hooks')
      .query({ per_page: '100' })
      .reply(200, [
        { id: 1, active: true, events: ['push'], config: { url: 'https://ci.example.com/hook' } },
        { id: 2, active: true, events: ['issues', 'issue_comment'], config: { url: 'https://proxy.example.com/defects/webhooks/github/shop', secret: '********' } },
      ]);
    const findings = await githubConnector().check(HOOKED);
    expect(findings).toEqual([
      { level: 'ok', what: 'token accepted (user defect-sync-bot)' },
      { level: 'ok', what: 'repository acme/app found' },
      { level: 'ok', what: 'may set labels and assignees (triage or write access)' },
      { level: 'ok', what: 'webhook posts Issues events to https://defects.example.com/webhooks/github/shop' },
    ]);
  });

  it('reads a 404 or 403 on the hooks as "cannot verify" (a warning), read access only and issues off as what they cost', async () => {
    for (const status of [404, 403]) {
      github().get('/user').reply(200, { login: 'reader' });
      github().get('/repos/acme/app').reply(200, repo({ has_issues: false, permissions: { admin: false, maintain: false, push: false, triage: false, pull: true } }));
      github().get('/repos/acme/app/hooks').query(true).reply(status, { message: status === 404 ? 'Not Found' : 'Resource not accessible by personal access token' });
      const findings = await githubConnector().check(HOOKED);
      expect(findings.find((f) => f.what.startsWith('webhook'))).toEqual({
        level: 'warn',
        what: 'webhook: cannot verify (the credential may not read hooks)',
        fix: 'make sure a webhook on acme/app posts Issues events to https://defects.example.com/webhooks/github/shop',
      });
      expect(findings).toContainEqual({ level: 'error', what: 'issues are turned off on acme/app', fix: 'turn on Issues (repository Settings → General → Features)' });
      expect(findings.find((f) => f.what.includes('read access only'))?.level).toBe('warn');
    }
  });

  it('names the URL to set when no hook posts to this service, and asks no hooks when the connection has no secret', async () => {
    github().get('/user').reply(200, { login: 'bot' });
    github().get('/repos/acme/app').reply(200, repo());
    github().get('/repos/acme/app/hooks').query(true).reply(200, []);
    expect((await githubConnector().check(HOOKED)).at(-1)).toMatchObject({ level: 'warn', what: 'no webhook on acme/app posts to this service', fix: expect.stringContaining('payload URL https://defects.example.com/webhooks/github/shop') });

    github().get('/user').reply(200, { login: 'bot' });
    github().get('/repos/acme/app').reply(200, repo());
    expect((await githubConnector().check({ webhook: null })).at(-1)).toMatchObject({ level: 'warn', what: expect.stringMatching(/^no webhook secret configured/) });
  });

  it('stops at a refused token, and says "cannot reach <host>" when no answer comes', async () => {
    nock(GH).get('/user').reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const refused = await githubConnector().check(HOOKED);
    expect(refused).toEqual([{ level: 'error', what: 'credentials refused: github answered 401: Bad credentials (the token)', fix: 'give the connection a valid token (fine-grained: Issues read and write on acme/app)' }]);

    nock(GH).get('/user').replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND api.github.com'), { code: 'ENOTFOUND' }));
    const [unreachable, ...rest] = await githubConnector().check(HOOKED);
    expect(unreachable).toMatchObject({ level: 'error', what: expect.stringMatching(/^cannot reach api\.github\.com: /) });
    expect(rest).toEqual([]);
    expect(JSON.stringify([refused, unreachable])).not.toContain(TOKEN);
  });
});

const jira = () => nock(JIRA).matchHeader('authorization', basicAuth()).matchHeader('accept', 'application/json');
const field = (fieldId: string, name: string, required: boolean, more: Record<string, unknown> = {}) => ({ fieldId, key: fieldId, name, required, hasDefaultValue: false, operations: ['set'], ...more });
const SCREEN = [
  field('issuetype', 'Issue Type', true),
  field('project', 'Project', true),
  field('summary', 'Summary', true),
  field('description', 'Description', false),
  field('reporter', 'Reporter', true, { hasDefaultValue: true }),
  field('priority', 'Priority', false, { hasDefaultValue: true, allowedValues: ['Highest', 'High', 'Medium', 'Low'].map((name, i) => ({ id: String(i + 1), name })) }),
  field('labels', 'Labels', false),
  field('assignee', 'Assignee', false),
];

describe('Jira check', () => {
  function projectAndType() {
    jira().get('/rest/api/3/myself').reply(200, { accountId: '712020:bot', displayName: 'Defect Sync' });
    jira()
      .get('/rest/api/3/project/QA')
      .query({ expand: 'issueTypes' })
      .reply(200, { id: '10000', key: 'QA', issueTypes: [{ id: '10001', name: 'Task', subtask: false }, { id: '10004', name: 'Bug', subtask: false }, { id: '10005', name: 'Sub-task', subtask: true }] });
  }

  it('reads the issue type\'s create metadata page by page and names the required fields nobody gives a value', async () => {
    projectAndType();
    const team = field('customfield_10042', 'Team', true);
    const region = field('customfield_10050', 'Region', true);
    const defaulted = field('customfield_10060', 'Stage', true, { hasDefaultValue: true });
    const given = field('components', 'Components', true);
    jira().get('/rest/api/3/issue/createmeta/QA/issuetypes/10004').query({ startAt: '0', maxResults: '200' }).reply(200, { startAt: 0, maxResults: 200, total: 12, fields: [...SCREEN, team, given] });
    // Jira may answer fewer than asked: the next page starts after what came.
    jira().get('/rest/api/3/issue/createmeta/QA/issuetypes/10004').query({ startAt: '10', maxResults: '200' }).reply(200, { startAt: 10, maxResults: 200, total: 12, fields: [region, defaulted] });
    const findings = await jiraConnector(JIRA, { settings: { createFields: { components: [{ name: 'Web' }] } } }).check({ webhook: null });
    expect(findings).toContainEqual({
      level: 'error',
      what: 'required fields with no value: customfield_10042 (Team), customfield_10050 (Region)',
      fix: 'give each a value in createFields of connection jira in SYNC_CONFIG (e.g. createFields: { customfield_10042: … }), or a default value in Jira',
    });
    expect(findings.filter((f) => f.level === 'error')).toHaveLength(1);
  });

  it('finds createFields and its own fields missing from the screen, and mapped priorities the site lacks', async () => {
    projectAndType();
    const screen = SCREEN.filter((f) => f.fieldId !== 'labels').map((f) => (f.fieldId === 'priority' ? { ...f, allowedValues: [{ id: '1', name: 'P1' }, { id: '3', name: 'Medium' }] } : f));
    jira().get('/rest/api/3/issue/createmeta/QA/issuetypes/10004').query(true).reply(200, { startAt: 0, maxResults: 200, total: screen.length, fields: screen });
    // An account without Administer Jira may not list the admin webhooks.
    jira().get('/rest/webhooks/1.0/webhook').reply(403, { errorMessages: ['You are not authorized to perform this action. Administrator privileges are required.'], errors: {} });
    const findings = await jiraConnector(JIRA, { settings: { createFields: { customfield_99: 'x' } } }).check({ webhook: { url: 'https://d.example.com/webhooks/jira/jira', paths: ['/webhooks/jira/jira', '/webhooks/jira'] } });
    expect(findings.filter((f) => f.level === 'error').map((f) => f.what)).toEqual([
      'createFields not on the create screen of QA Bug: customfield_99',
      'fields this service sets are not on the create screen of QA Bug: labels',
      'mapped priorities QA Bug does not offer: Highest, High, Low',
    ]);
    expect(findings.at(-1)).toMatchObject({ level: 'warn', what: expect.stringMatching(/^webhook: cannot verify/), fix: expect.stringContaining('https://d.example.com/webhooks/jira/jira') });
  });

  it('names a missing project and an issue type the project lacks, with what it has', async () => {
    jira().get('/rest/api/3/myself').reply(200, { accountId: 'x' });
    jira().get('/rest/api/3/project/QA').query(true).reply(404, { errorMessages: ["No project could be found with key 'QA'."], errors: {} });
    expect((await jiraConnector(JIRA).check({ webhook: null })).at(-1)).toMatchObject({ level: 'error', what: expect.stringMatching(/^project QA not found, or the account cannot browse it: jira answered 404: No project could be found/) });

    jira().get('/rest/api/3/myself').reply(200, { accountId: 'x' });
    jira().get('/rest/api/3/project/QA').query(true).reply(200, { key: 'QA', issueTypes: [{ id: '1', name: 'Task', subtask: false }] });
    expect((await jiraConnector(JIRA).check({ webhook: null })).at(-1)).toEqual({ level: 'error', what: 'issue type "Bug" is not in project QA', fix: "set the connection's issueType to one of: Task" });
  });

  it('stops at refused credentials, never printing the token', async () => {
    nock(JIRA).get('/rest/api/3/myself').reply(401, { message: 'Client must be authenticated to access this resource.', 'status-code': 401 });
    const findings = await jiraConnector(JIRA).check({ webhook: null });
    expect(findings).toEqual([{ level: 'error', what: 'credentials refused: jira answered 401: Client must be authenticated to access this resource.', fix: expect.stringContaining('apiToken') }]);
    expect(JSON.stringify(findings)).not.toContain('fake-jira-api-token');
  });
});

describe('Asana check', () => {
  const SEVERITY = { gid: '900', options: { critical: '901', high: '902', medium: '903', low: '904' } };
  const asana = (mapping: unknown = {}) =>
    createAsanaConnector({ settings: { token: 'asana-pat-0123456789', workspaceGid: '100', projectGid: '200', apiUrl: ASANA }, mapping: asanaMappingSchema.parse(mapping), people: new People([]) });
  const api = () => nock('https://app.asana.com').matchHeader('authorization', 'Bearer asana-pat-0123456789');

  it('reads GET /users/me and GET /projects/{gid}: workspace, membership, the severity field and its options', async () => {
    api().get('/api/1.0/users/me').query({ opt_fields: 'name,workspaces' }).reply(200, { data: { gid: '7', name: 'Bot', workspaces: [{ gid: '100' }] } });
    api()
      .get('/api/1.0/projects/200')
      .query({ opt_fields: 'name,archived,workspace,members,custom_field_settings.custom_field.enum_options' })
      .reply(200, { data: { gid: '200', name: 'Defects', archived: false, workspace: { gid: '100' }, members: [{ gid: '8' }], custom_field_settings: [{ custom_field: { gid: '900', enum_options: [{ gid: '901' }, { gid: '902' }, { gid: '903' }] } }] } });
    const findings = await asana({ severityField: SEVERITY }).check({ webhook: null });
    expect(findings).toEqual([
      { level: 'ok', what: 'token accepted (Bot)' },
      { level: 'ok', what: 'project Defects found' },
      { level: 'warn', what: "the token's user is not a member of the project", fix: "add the user to the project's members" },
      { level: 'warn', what: 'the severity field has no option with the gid mapped for low', fix: 'correct asana.severityField.options (GET /projects/<gid>/custom_field_settings)' },
    ]);
  });

  it('names a project in another workspace, and a severity field the project lacks', async () => {
    api().get('/api/1.0/users/me').query(true).reply(200, { data: { gid: '7', name: 'Bot', workspaces: [{ gid: '100' }] } });
    api().get('/api/1.0/projects/200').query(true).reply(200, { data: { gid: '200', name: 'Defects', workspace: { gid: '111' }, members: [{ gid: '7' }], custom_field_settings: [] } });
    const findings = await asana({ severityField: SEVERITY }).check({ webhook: null });
    expect(findings).toContainEqual({ level: 'error', what: 'project 200 is in workspace 111, not 100', fix: "set the connection's workspace to 111" });
    expect(findings.at(-1)).toMatchObject({ level: 'warn', what: expect.stringMatching(/^the severity field 900 \(asana.severityField\) is not on the project/) });
  });

describe('Jira check of the webhook (an account with Administer Jira)', () => {
  const HOOK: CheckContext = { webhook: { url: 'https://d.example.com/webhooks/jira/qa-jira', paths: ['/webhooks/jira/qa-jira'] } };
  const hook = (more: Record<string, unknown> = {}) => ({
    name: 'Defect Sync',
    url: 'https://d.example.com/webhooks/jira/qa-jira',
    excludeBody: false,
    filters: { 'issue-related-events-section': 'project = QA' },
    events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted'],
    enabled: true,
    self: `${JIRA}/rest/webhooks/1.0/webhook/1`,
    ...more,
  });
  const webhookFinding = async (hooks: unknown[]) => {
    jira().get('/rest/api/3/myself').reply(200, { accountId: 'x' });
    jira().get('/rest/api/3/project/QA').query(true).reply(200, { key: 'QA', issueTypes: [{ id: '10004', name: 'Bug', subtask: false }] });
    jira().get('/rest/api/3/issue/createmeta/QA/issuetypes/10004').query(true).reply(200, { startAt: 0, maxResults: 200, total: SCREEN.length, fields: SCREEN });
    jira().get('/rest/webhooks/1.0/webhook').reply(200, hooks);
    const findings = await jiraConnector(JIRA).check(HOOK);
    expect(nock.isDone()).toBe(true);
    return findings.at(-1);
  };

  it.each([
    ['finds the hook posting here by its path', [hook({ name: 'other', url: 'https://elsewhere.example.com/hook' }), hook()], 'ok', 'webhook posts Issue updated and deleted events to https://d.example.com/webhooks/jira/qa-jira'],
    ['an empty JQL (all issues) is enough', [hook({ filters: { 'issue-related-events-section': '' } })], 'ok', 'webhook posts Issue updated and deleted events to https://d.example.com/webhooks/jira/qa-jira'],
    ['no hook here', [hook({ url: 'https://elsewhere.example.com/hook' })], 'warn', 'no Jira webhook posts to this service'],
    ['a disabled hook', [hook({ enabled: false })], 'warn', 'the Jira webhook to https://d.example.com/webhooks/jira/qa-jira is disabled'],
    ['deletions not sent', [hook({ events: ['jira:issue_updated'] })], 'warn', 'the Jira webhook to https://d.example.com/webhooks/jira/qa-jira does not send jira:issue_deleted'],
    ['a JQL of another project', [hook({ filters: { 'issue-related-events-section': 'project = QAX' } })], 'warn', 'the Jira webhook to https://d.example.com/webhooks/jira/qa-jira filters by "project = QAX", which does not name project QA'],
    ['the body excluded', [hook({ excludeBody: true })], 'error', 'the Jira webhook to https://d.example.com/webhooks/jira/qa-jira excludes the body'],
  ])('%s', async (_name, hooks, level, what) => {
    expect(await webhookFinding(hooks)).toMatchObject({ level, what });
  });
});
});
