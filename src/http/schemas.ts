// Input shapes of the API. Strict objects: an unknown (e.g. misspelt) field is a 400, not silently dropped.
import { z } from 'zod';
import { CONNECTION_NAME } from '../sync/connections.ts';
import { DEFECT_STATUSES } from '../domain/lifecycle.ts';
import { SEVERITIES } from '../domain/severity.ts';
import { DESCRIPTION_MAX, MILESTONE_MAX, PROJECT_MAX, PROJECT_CHARACTERS, TAG_MAX, TAGS_MAX, TITLE_MAX, unstorable } from '../domain/text-rules.ts';
import { TRACKER_KINDS } from '../../connectors/contract.ts';
import { HOOK_EVENTS } from '../hooks/events.ts';
import { regexProblem } from '../domain/regex.ts';

/**
 * The one rule for every string the API stores or filters by (used by `string()` below and the URL field),
 * from src/domain/text-rules.ts, whose limits and cleaning also apply to values read from trackers.
 * Postgres text cannot hold NUL (it would be a 500), and a lone UTF-16 surrogate (JSON "\ud800") would be
 * stored as U+FFFD or fail: both are a 400 naming the field.
 */
const STORABLE = [
  z.superRefine<string>((s, ctx) => {
    const problem = unstorable(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
] as const;
const string = () => z.string().check(...STORABLE);
const text = (max: number) => string().trim().max(max, `must be at most ${max} characters`);
const title = text(TITLE_MAX).min(1, 'must not be empty');
const description = string().max(DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`);
const person = text(200).min(1, 'must not be empty').nullable();
const milestone = text(MILESTONE_MAX).min(1, 'must not be empty').nullable();
const tag = text(TAG_MAX).min(1, 'must not be empty');
const tags = z.array(tag).max(TAGS_MAX, `at most ${TAGS_MAX} tags`);
/** A project name as stored and as filtered by (src/domain/text-rules.ts); not trimmed. */
const projectName = string()
  .min(1, 'must not be empty')
  .max(PROJECT_MAX, `must be at most ${PROJECT_MAX} characters`)
  .regex(PROJECT_CHARACTERS, 'must contain only letters A-Z a-z, digits, ".", "_" and "-"');
const project = projectName.nullable().meta({ description: `1-${PROJECT_MAX} characters A-Za-z0-9._-; null for none` });
const uuid = z.uuid('must be a UUID');
const severity = z.enum(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`);
const status = z.enum(DEFECT_STATUSES, `must be one of ${DEFECT_STATUSES.join(', ')}`);
const RUN_STATUSES = ['passed', 'failed', 'skipped', 'blocked'] as const;

export const CreateDefect = z.strictObject({
  title,
  description: description.optional(),
  severity: severity.optional(),
  assignee: person.optional(),
  milestone: milestone.optional(),
  tags: tags.optional(),
  project: project.optional(),
  caseRunIds: z.array(uuid).max(500, 'at most 500 case runs').optional(),
});

export const PatchDefect = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    severity: severity.optional(),
    status: status.optional(),
    assignee: person.optional(),
    milestone: milestone.optional(),
    tags: tags.optional(),
    project: project.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'name at least one field to change');

/** Years 1970-9999 once in UTC: earlier or later instants fall outside what the store keeps (and make no sense for a test run). */
const time = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, 'must fall in the years 1970 to 9999 (UTC)');

/** POST /admin/connections/:name/backfill: every filter optional, all of those given must hold. */
export const StartBackfill = z.strictObject({
  status: z.array(status).min(1, 'name at least one status').max(DEFECT_STATUSES.length).optional(),
  project: z.array(projectName).min(1, 'name at least one project').max(100, 'at most 100 projects').optional(),
  since: time.transform((d) => d.toISOString()).optional().meta({ description: 'only defects created at or after this instant' }),
});

export const CreateCaseRun = z
  .strictObject({
    launch: text(200).min(1, 'must not be empty'),
    testCase: text(500).min(1, 'must not be empty'),
    status: z.enum(RUN_STATUSES, `must be one of ${RUN_STATUSES.join(', ')}`),
    message: string().max(DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`).nullable().optional(),
    project: project.optional(),
    startedAt: time.optional(),
    finishedAt: time.optional(),
  })
  .refine((r) => !r.startedAt || !r.finishedAt || r.finishedAt >= r.startedAt, {
    path: ['finishedAt'],
    message: 'must not be before startedAt',
  });

export const LinkCaseRun = z.strictObject({ caseRunId: uuid });

/** Raising a defect from a failed run: the body is optional; without `project` the defect takes the run's. */
export const RaiseDefect = z.strictObject({
  project: project.optional().meta({ description: "the defect's project; by default the run's (null: none)" }),
});

/** An existing ticket to link: its key (PROJ-12, owner/repo#12, a task gid) or its URL, not both. */
export const LinkTicket = z
  .strictObject({
    /** The connection the ticket is in; `tracker` alone will do when that kind has exactly one connection. */
    connection: z.string().regex(CONNECTION_NAME, 'must be a connection name (a-z, 0-9 and "-", up to 40)').optional(),
    tracker: z.enum(TRACKER_KINDS, `must be one of ${TRACKER_KINDS.join(', ')}`).optional(),
    key: text(300).min(1, 'must not be empty').optional(),
    url: z.url({ error: 'must be a URL' }).check(...STORABLE).max(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.key === undefined) === (v.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'give either key or url' });
    }
    if (v.connection === undefined && v.tracker === undefined) {
      ctx.addIssue({ code: 'custom', path: ['connection'], message: 'give the connection (or the tracker, when it has one connection)' });
    }
  });

/** A comma-separated filter such as status=open,reopened; errors name the parameter, not a list index. */
export const csv = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s, ctx): T[number][] => {
    const parts = s.split(',').map((v) => v.trim());
    const unknown = parts.filter((p) => !values.includes(p));
    if (unknown.length) {
      ctx.addIssue({ code: 'custom', message: `unknown value ${unknown.map((u) => `"${u}"`).join(', ')}; use ${values.join(', ')}` });
      return z.NEVER;
    }
    return parts;
  });

export const ListQuery = z.strictObject({
  status: csv(DEFECT_STATUSES).optional(),
  severity: csv(SEVERITIES).optional(),
  assignee: string().min(1).optional(),
  milestone: string().min(1).optional(),
  tag: string().min(1).optional(),
  project: projectName.optional().meta({ description: 'only defects of this project' }),
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a cursor returned as nextCursor')
    .transform(Number)
    .refine((n) => n <= 2_147_483_647, 'must be a cursor returned as nextCursor')
    .optional(),
});

/** Path parameters that are matched against stored text. */
export const MilestoneParams = z.object({ name: string().min(1, 'must not be empty') });

/** If-Match carries the version from the ETag: `"3"`, `W/"3"` or a bare 3. */
export const IfMatch = z
  .string()
  .regex(/^(W\/)?"?[0-9]{1,9}"?$/, 'If-Match must be a defect version as given in the ETag header')
  .transform((v) => Number(v.replace(/\D/g, '')));

/** An outgoing webhook's URL: http(s) only, no user name or password (it is shown and logged). */
const hookUrl = string()
  .max(2048, 'must be at most 2048 characters')
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http or https URL')
  .refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'must not carry a user name or password');
const hookEvents = z
  .array(z.enum(HOOK_EVENTS, `must be one of ${HOOK_EVENTS.join(', ')}`))
  .min(1, 'must name at least one event')
  .transform((e) => [...new Set(e)]);
const hookDescription = text(500).nullable();
export const CreateHook = z.strictObject({ url: hookUrl, events: hookEvents, description: hookDescription.optional() });
export const PatchHook = z
  .strictObject({ url: hookUrl.optional(), events: hookEvents.optional(), description: hookDescription.optional(), enabled: z.boolean('must be true or false').optional() })
  .refine((p) => Object.keys(p).length > 0, 'must change at least one of url, events, description, enabled');
export const HookParams = z.object({ id: uuid });
export const DeliveryParams = z.object({ id: uuid, deliveryId: string().regex(/^msg_[0-9a-f]{32}$/, 'must be a delivery id (msg_…)') });
export const DeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed'], 'must be one of pending, delivered, failed').optional(),
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
});

/** A regex people write (matchers): RE2 syntax, linear time; a bad one is a 400 naming its field. */
const regex = string().superRefine((p, ctx) => {
  const problem = regexProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const eitherRegex = <T extends { message?: string | undefined; testCase?: string | undefined }>(v: T) => v.message !== undefined || v.testCase !== undefined;
const EITHER = { path: ['message'], message: 'give message or testCase (or both)' };

export const CreateMatcher = z
  .strictObject({
    message: regex.optional().meta({ description: 'RE2 regex searched in the failure message' }),
    testCase: regex.optional().meta({ description: 'RE2 regex searched in the test case' }),
  })
  .refine(eitherRegex, EITHER);
export const MatcherParams = z.object({ idOrKey: z.string(), id: uuid });

export const PreviewMatchers = z
  .strictObject({
    message: regex.optional(),
    testCase: regex.optional(),
    since: time.optional().meta({ description: 'only failures that ran at or after this instant (default: the last 7 days)' }),
    limit: z.int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500').optional(),
  })
  .refine(eitherRegex, EITHER);

const pageLimit = z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50);

export const FailuresQuery = z.strictObject({
  launch: text(200).min(1, 'must not be empty').optional(),
  project: projectName.optional(),
  since: time.optional().meta({ description: 'failures that ran at or after this instant (default: the last 7 days, or all of a launch)' }),
  untriaged: z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true').optional(),
  limit: pageLimit,
});

export const IncidentsQuery = z.strictObject({
  status: z.enum(['open', 'released'], 'must be one of open, released').optional(),
  project: projectName.optional(),
  limit: pageLimit,
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}\.[0-9a-f-]{36}$/, 'must be a cursor returned as nextCursor')
    .transform((v) => ({ at: new Date(Number(v.split('.')[0])), id: v.split('.')[1]! }))
    .optional(),
});
export const IncidentParams = z.object({ id: uuid });
