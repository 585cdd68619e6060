// The Jira connection's configuration check: the credential (GET /rest/api/3/myself), the project and its
// issue type (GET /rest/api/3/project/{key}), and what a create needs there (the issue type's create
// metadata, GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}: jira.js's
// getCreateIssueMetaIssueTypeId): required fields nobody gives a value, createFields the screen does not
// have, fields this connector writes missing from the screen, mapped priorities the site lacks; and the
// admin webhook that posts here (GET /rest/webhooks/1.0/webhook: the webhooks made in Jira's settings,
// readable by an account with the Administer Jira permission; the REST API's /rest/api/3/webhook lists only
// a Connect or OAuth app's own). Without that permission the webhook cannot be verified: a warning.
import type { JiraClient } from './sdk.ts';
import type { FieldCreateMetadata } from 'jira.js/cloud';
import type { CheckContext, CheckFinding } from '../contract.ts';
import { failedCall, hostOf, reachesPath, statusOf } from '../check.ts';
import { SEVERITIES } from '../../src/domain/severity.ts';
import { toTrackerError } from './errors.ts';
import { priorityFor, type JiraMapping } from './mapping.ts';

/** Fields the connector sets on every create (reporter: Jira's default, the caller): never "missing" here. */
const SENT_BY_CONNECTOR = ['project', 'issuetype', 'summary', 'description', 'priority', 'labels', 'assignee', 'reporter'];
/** Of those, the ones that must be on the create screen or Jira refuses the create ("cannot be set"). */
const ON_SCREEN = ['summary', 'description', 'priority', 'labels', 'assignee'];
/** Jira's largest createmeta page. */
const META_PAGE = 200;

export type JiraCheckTarget = { connection: string; baseUrl: string; projectKey: string; issueType: string; createFields: Record<string, unknown>; mapping: JiraMapping };

/** `adminWebhooks` reads GET /rest/webhooks/1.0/webhook (jira.js has no method for the admin webhooks). */
export async function checkJira(jira: JiraClient, t: JiraCheckTarget, ctx: CheckContext, adminWebhooks: () => Promise<unknown>): Promise<CheckFinding[]> {
  const host = hostOf(t.baseUrl);
  const out: CheckFinding[] = [];
  const call = async <T>(run: () => Promise<T>): Promise<T | Error> => {
    try {
      return await run();
    } catch (err) {
      return toTrackerError(err);
    }
  };

  const me = await call(() => jira.myself.getCurrentUser());
  if (me instanceof Error) {
    out.push(failedCall(host, 'credentials refused', me, 'check the connection\'s email and apiToken (an API token of that account: id.atlassian.com → Security → API tokens)'));
    return out;
  }
  out.push({ level: 'ok', what: `credentials accepted (${me.displayName ?? me.accountId ?? 'account'})` });

  const project = await call(() => jira.projects.getProject({ projectIdOrKey: t.projectKey, expand: 'issueTypes' }));
  if (project instanceof Error) {
    const missing = statusOf(project) === 404;
    out.push(failedCall(host, missing ? `project ${t.projectKey} not found, or the account cannot browse it` : `project ${t.projectKey} not readable`, project, `check the connection's project key, and give the account Browse Projects and Create Issues in ${t.projectKey}`));
    return out;
  }
  const types = (project.issueTypes ?? []).filter((i) => !i.subtask);
  const type = types.find((i) => i.name === t.issueType) ?? types.find((i) => i.name?.toLowerCase() === t.issueType.toLowerCase());
  if (!type?.id) {
    out.push({ level: 'error', what: `issue type "${t.issueType}" is not in project ${t.projectKey}`, fix: `set the connection's issueType to one of: ${types.map((i) => i.name).join(', ') || '(none)'}` });
    return out;
  }
  out.push({ level: 'ok', what: `project ${t.projectKey} and issue type ${type.name} found` });

  const fields = await createFields(jira, t.projectKey, type.id);
  if (fields instanceof Error) {
    out.push(failedCall(host, `the create screen of ${t.projectKey} ${type.name} not readable`, fields, `give the account Create Issues in ${t.projectKey}`));
  } else {
    out.push(...createFindings(fields, t, `${t.projectKey} ${type.name}`));
  }

  out.push(await webhookFinding(() => call(adminWebhooks), t, ctx, host));
  return out;
}

/** An admin webhook as GET /rest/webhooks/1.0/webhook lists it (the fields this check reads). */
export type AdminWebhook = { name?: string; url?: string; enabled?: boolean; events?: string[]; excludeBody?: boolean; filters?: Record<string, string | undefined> };

/** Events a webhook must send: edits (fields, status, assignee) and deletions; creations are ours. */
const NEEDED_EVENTS = ['jira:issue_updated', 'jira:issue_deleted'];

async function webhookFinding(list: () => Promise<unknown>, t: Pick<JiraCheckTarget, 'projectKey'>, ctx: CheckContext, host: string): Promise<CheckFinding> {
  if (!ctx.webhook) {
    return { level: 'warn', what: 'no webhook secret configured: the webhook route is closed and changes made in Jira arrive by polling only', fix: 'set the connection\'s webhookSecret and add the webhook in Jira' };
  }
  const { url, paths } = ctx.webhook;
  const add = `add a webhook in Jira (Settings → System → WebHooks): URL ${url}, the connection's secret, JQL project = ${t.projectKey}, events Issue updated and Issue deleted`;
  const listed = await list();
  if (listed instanceof Error) {
    const status = statusOf(listed);
    if (status === 401 || status === 403) {
      return { level: 'warn', what: 'webhook: cannot verify (listing Jira\'s webhooks needs the Administer Jira permission, which this account does not have)', fix: `make sure a Jira webhook posts Issue updated and deleted events to ${url} with the connection's secret` };
    }
    return { ...failedCall(host, 'webhook: cannot verify', listed), level: 'warn' };
  }
  const hooks = (Array.isArray(listed) ? listed : []) as AdminWebhook[];
  const ours = hooks.filter((h) => reachesPath(h.url, paths));
  const live = ours.find((h) => h.enabled !== false);
  if (!live) return ours.length ? { level: 'warn', what: `the Jira webhook to ${url} is disabled`, fix: 'enable it in Jira (Settings → System → WebHooks)' } : { level: 'warn', what: 'no Jira webhook posts to this service', fix: add };
  const missing = NEEDED_EVENTS.filter((e) => !(live.events ?? []).includes(e));
  if (missing.length) return { level: 'warn', what: `the Jira webhook to ${url} does not send ${missing.join(', ')}`, fix: 'select Issue updated and Issue deleted on it (Settings → System → WebHooks)' };
  if (live.excludeBody) return { level: 'error', what: `the Jira webhook to ${url} excludes the body`, fix: 'untick "Exclude body": the service reads the issue id from it' };
  const jql = live.filters?.['issue-related-events-section']?.trim() ?? '';
  if (jql && !new RegExp(`(^|[^A-Za-z0-9_])${t.projectKey}([^A-Za-z0-9_]|$)`, 'i').test(jql)) {
    return { level: 'warn', what: `the Jira webhook to ${url} filters by "${jql}", which does not name project ${t.projectKey}`, fix: `make its JQL include project = ${t.projectKey} (or leave it empty)` };
  }
  return { level: 'ok', what: `webhook posts Issue updated and deleted events to ${url}` };
}

async function createFields(jira: JiraClient, projectKey: string, issueTypeId: string): Promise<FieldCreateMetadata[] | Error> {
  const all: FieldCreateMetadata[] = [];
  try {
    for (let startAt = 0; ; ) {
      const page = await jira.issues.getCreateIssueMetaIssueTypeId({ projectIdOrKey: projectKey, issueTypeId, startAt, maxResults: META_PAGE });
      // Jira Cloud answers `fields`; the published schema also names `results`.
      const got = page.fields ?? page.results ?? [];
      all.push(...got);
      startAt += got.length;
      if (got.length === 0 || startAt >= (page.total ?? 0)) return all;
    }
  } catch (err) {
    return toTrackerError(err);
  }
}

/** What the create metadata says about the creates this connection will send. */
export function createFindings(fields: readonly FieldCreateMetadata[], t: Pick<JiraCheckTarget, 'connection' | 'createFields' | 'mapping'>, where: string): CheckFinding[] {
  const out: CheckFinding[] = [];
  const byId = new Map(fields.map((f) => [f.fieldId, f]));
  const given = new Set(Object.keys(t.createFields));
  const unset = fields.filter((f) => f.required && !f.hasDefaultValue && !given.has(f.fieldId) && !SENT_BY_CONNECTOR.includes(f.fieldId));
  if (unset.length) {
    const names = unset.map((f) => `${f.fieldId} (${f.name})`).join(', ');
    out.push({
      level: 'error',
      what: `required fields with no value: ${names}`,
      fix: `give each a value in createFields of connection ${t.connection} in SYNC_CONFIG (e.g. createFields: { ${unset[0]!.fieldId}: … }), or a default value in Jira`,
    });
  }
  const offScreen = [...given].filter((f) => !byId.has(f));
  if (offScreen.length) out.push({ level: 'error', what: `createFields not on the create screen of ${where}: ${offScreen.join(', ')}`, fix: 'remove them from createFields, or add them to the issue type\'s create screen' });
  const lacking = ON_SCREEN.filter((f) => !byId.has(f));
  if (lacking.length) out.push({ level: 'error', what: `fields this service sets are not on the create screen of ${where}: ${lacking.join(', ')}`, fix: 'add them to the issue type\'s create screen (labels carry the idempotency marker)' });
  const allowed = byId.get('priority')?.allowedValues?.map((v) => (v as { name?: string }).name).filter(Boolean);
  const unknown = allowed?.length ? [...new Set(SEVERITIES.map((s) => priorityFor(t.mapping, s)))].filter((p) => !allowed.includes(p)) : [];
  if (unknown.length) out.push({ level: 'error', what: `mapped priorities ${where} does not offer: ${unknown.join(', ')}`, fix: `map jira.priorities to priorities it has: ${allowed!.join(', ')}` });
  if (!out.length) out.push({ level: 'ok', what: `create screen of ${where}: every required field has a value` });
  return out;
}
