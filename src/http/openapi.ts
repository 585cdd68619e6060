// GET /openapi.json: the OpenAPI 3.1 description of the public API. Request schemas are generated
// from the very zod schemas the routes validate with (z.toJSONSchema, input side), so the document
// cannot drift from validation; only the list of routes below is written by hand, and
// test/ops/openapi.test.ts holds it against the routes the express app really registers.
import { z } from 'zod';
import { CreateCaseRun, CreateDefect, CreateHook, CreateMatcher, DeliveriesQuery, DeliveryParams, FailuresQuery, HookParams, IfMatch, IncidentParams, IncidentsQuery, LinkCaseRun, LinkTicket, ListQuery, MatcherParams, MilestoneParams, PatchDefect, PatchHook, PreviewMatchers, RaiseDefect } from './schemas.ts';
import { CommentListQuery, CreateComment, PatchComment } from './comment-routes.ts';

type Method = 'get' | 'post' | 'patch' | 'delete';
/** A path parameter; a schema when the route validates it, else a plain non-empty string. */
type PathParam = { description: string; schema?: z.ZodObject };

export type ApiRoute = {
  method: Method;
  /** Express syntax, as registered: /api/defects/:idOrKey */
  path: string;
  summary: string;
  /** Name of the request body schema in components.schemas (a key of REQUEST_SCHEMAS). */
  body?: keyof typeof REQUEST_SCHEMAS;
  /** The body may be left out (every field of its schema is optional). */
  bodyOptional?: true;
  query?: z.ZodObject;
  params?: Record<string, PathParam>;
  headers?: readonly ('If-Match' | 'X-Actor')[];
  /** Status code → what it means. Codes ≥ 400 answer with the error shape. */
  responses: Record<number, string>;
  /** Response schemas (components.schemas names) where the default (Error for ≥ 400, none below) is not right. */
  responseSchemas?: Record<number, string>;
  /** false for the open operations routes; /api needs the bearer token (or loopback, see README); 'admin': ADMIN_TOKEN. */
  auth?: boolean | 'admin';
};

/** The request body schemas by the name they carry in components.schemas. */
export const REQUEST_SCHEMAS = { CreateDefect, PatchDefect, LinkCaseRun, LinkTicket, CreateCaseRun, RaiseDefect, CreateComment, PatchComment, CreateHook, PatchHook, CreateMatcher, PreviewMatchers } satisfies Record<string, z.ZodType>;

/** Every error answers {error: {code, message, details?}} (src/http/errors.ts). */
const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: 'machine-readable, e.g. validation_failed, not_found, version_mismatch' }),
    message: z.string().meta({ description: 'for people; names the offending field when there is one' }),
    details: z.unknown().optional().meta({ description: 'e.g. {fields: [{field, message}]} for validation_failed' }),
  }),
});

// ms and error only for the admin (bearer ADMIN_TOKEN) and callers on this machine.
const CheckResult = z.object({ ok: z.boolean(), ms: z.number().optional(), error: z.string().optional() });
const ReadinessBody = z.object({ ready: z.boolean(), checks: z.object({ database: CheckResult, redis: CheckResult }) });

const defect: Record<string, PathParam> = { idOrKey: { description: 'defect UUID or key (DEF-12)' } };
const hook: Record<string, PathParam> = { id: { description: 'hook UUID', schema: HookParams } };
const writes = ['X-Actor'] as const;

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', responses: { 200: '{ok: true}' }, auth: false },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database and Redis answer (each within about a second)',
    responses: {
      200: 'ready, with each check (its duration too for the admin token or a caller on this machine)',
      503: 'not ready, with each check (its error text too for the admin token or a caller on this machine)',
    },
    responseSchemas: { 200: 'Readiness', 503: 'Readiness' },
    auth: false,
  },
  {
    method: 'post', path: '/api/defects', summary: 'Create a defect', body: 'CreateDefect', headers: writes,
    responses: { 201: 'the defect (ETag: its version)', 400: 'a field is invalid, or a case run is unknown', 409: 'a linked case run did not fail' },
  },
  {
    method: 'get', path: '/api/defects', summary: 'List defects, filtered and paged (newest first)', query: ListQuery,
    responses: { 200: '{data, nextCursor}', 400: 'a parameter is invalid' },
  },
  {
    method: 'get', path: '/api/defects/:idOrKey', summary: 'One defect with its case runs, tracker links and status history', params: defect,
    responses: { 200: 'the defect', 404: 'no such defect' },
  },
  {
    method: 'patch', path: '/api/defects/:idOrKey', summary: 'Change fields and move status', params: defect, body: 'PatchDefect',
    headers: ['If-Match', 'X-Actor'],
    responses: { 200: 'the defect', 400: 'a field is invalid', 404: 'no such defect', 409: 'the status move is not allowed', 412: 'If-Match is stale' },
  },
  {
    method: 'post', path: '/api/defects/:idOrKey/case-runs', summary: 'Link a failed case run to the defect', params: defect, body: 'LinkCaseRun',
    headers: writes,
    responses: { 200: 'already linked', 201: 'linked', 400: 'a field is invalid', 404: 'no such defect or case run', 409: 'the case run did not fail' },
  },
  {
    method: 'get', path: '/api/defects/:idOrKey/links', summary: 'Tracker tickets of the defect (one per connection) and their sync state', params: defect,
    responses: { 200: '{data: [link]}: each with its connection and tracker kind', 404: 'no such defect' },
  },
  {
    method: 'post', path: '/api/defects/:idOrKey/links', summary: 'Link an existing ticket of a connection ({connection, key|url}; {tracker, …} when that kind has one connection), then bring it up to date', params: defect,
    body: 'LinkTicket', headers: writes,
    responses: {
      200: 'already linked', 201: 'linked', 400: 'a field is invalid, the connection is not configured, or the kind has several connections and none was named', 404: 'no such defect or ticket',
      409: 'the defect already has a ticket in that connection, or the ticket is linked to another defect', 422: 'the tracker refused the ticket', 503: 'the tracker is unavailable',
    },
  },
  {
    method: 'get', path: '/api/defects/:idOrKey/impact', summary: 'Test cases the defect affects, each with its latest result', params: defect,
    responses: { 200: 'the impact', 404: 'no such defect' },
  },
  {
    method: 'get', path: '/api/defects/:idOrKey/comments', summary: "The defect's comments, oldest first, paged", params: defect, query: CommentListQuery,
    responses: { 200: '{data: [comment], nextCursor}: each with author {name, tracker, connection}', 400: 'a parameter is invalid', 404: 'no such defect' },
  },
  {
    method: 'post', path: '/api/defects/:idOrKey/comments', summary: 'Add a comment (Markdown); it goes to every linked ticket, attributed', params: defect,
    body: 'CreateComment', headers: writes,
    responses: { 201: 'the comment', 400: 'a field is invalid', 404: 'no such defect' },
  },
  {
    method: 'patch', path: '/api/defects/:idOrKey/comments/:commentId', summary: "Edit a comment's body; the edit follows to every linked ticket",
    params: { ...defect, commentId: { description: 'comment UUID' } }, body: 'PatchComment', headers: writes,
    responses: { 200: 'the comment', 400: 'a field is invalid', 404: 'no such defect or comment' },
  },
  {
    method: 'delete', path: '/api/defects/:idOrKey/comments/:commentId', summary: 'Delete a comment; its copies on the linked tickets are deleted too',
    params: { ...defect, commentId: { description: 'comment UUID' } }, headers: writes,
    responses: { 204: 'deleted', 404: 'no such defect or comment' },
  },
  {
    method: 'post', path: '/api/case-runs', summary: 'Record a test result (the verification loop may move defects; a failure is triaged)', body: 'CreateCaseRun',
    responses: {
      201: 'the case run with its signature, affectedDefects, and triage: {defect, by: "signature"|"matcher"} when it was linked, {defect: null, by: "pending"} when it met its project\'s rule (raised once the launch is quiet), {defect: null, by: "held", incident} in a storm, or null',
      400: 'a field is invalid',
    },
  },
  {
    method: 'post', path: '/api/case-runs/:id/defect', summary: "Raise a defect from a failed case run (it takes the run's project)",
    params: { id: { description: 'case run UUID' } }, body: 'RaiseDefect', bodyOptional: true, headers: writes,
    responses: { 201: 'the defect', 400: 'a field is invalid', 404: 'no such case run', 409: 'the case run did not fail' },
  },
  {
    method: 'get', path: '/api/milestones/:name/readiness', summary: 'Can the milestone ship?',
    params: { name: { description: 'milestone name', schema: MilestoneParams } },
    responses: { 200: '{ready, blocking, counts}', 404: 'no defect carries the milestone' },
  },
  {
    method: 'post', path: '/api/defects/:idOrKey/matchers', summary: 'Add a matcher: RE2 regexes on the failure message and test case that link future failures to the defect',
    params: defect, body: 'CreateMatcher', headers: writes,
    responses: { 201: 'the matcher', 400: 'a regex is invalid (named), or neither is given', 404: 'no such defect' },
  },
  {
    method: 'get', path: '/api/defects/:idOrKey/matchers', summary: "The defect's matchers, oldest first (the order they are tried in)", params: defect,
    responses: { 200: '{data: [matcher]}', 404: 'no such defect' },
  },
  {
    method: 'delete', path: '/api/defects/:idOrKey/matchers/:id', summary: 'Delete a matcher',
    params: { ...defect, id: { description: 'matcher UUID', schema: MatcherParams } },
    responses: { 204: 'deleted', 400: 'the id is not a UUID', 404: 'no such defect or matcher' },
  },
  {
    method: 'post', path: '/api/matchers/preview', summary: 'The recent failures a matcher would catch (newest first; at most 5,000 read)', body: 'PreviewMatchers',
    responses: { 200: '{scanned, matched, data: [case run with defects]}', 400: 'a regex or field is invalid' },
  },
  {
    method: 'get', path: '/api/failures', summary: 'Failed runs grouped by signature: count, test cases, first and last seen, the defect', query: FailuresQuery,
    responses: { 200: '{data: [{signature, text, count, testCaseCount, testCases, firstSeen, lastSeen, defect}]}', 400: 'a parameter is invalid' },
  },
  {
    method: 'get', path: '/api/incidents', summary: 'Storm incidents (launches whose automatic defects were held back), newest first', query: IncidentsQuery,
    responses: { 200: '{data: [incident], nextCursor}', 400: 'a parameter is invalid' },
  },
  {
    method: 'get', path: '/api/incidents/:id', summary: 'One incident: its launch, counts, top signatures, the defects raised at release',
    params: { id: { description: 'incident UUID', schema: IncidentParams } },
    responses: { 200: 'the incident', 400: 'the id is not a UUID', 404: 'no such incident' },
  },
  {
    method: 'post', path: '/api/incidents/:id/release', summary: 'Release an incident: the defects it held are raised, and its launch raises defects again',
    params: { id: { description: 'incident UUID', schema: IncidentParams } }, headers: writes,
    responses: { 200: 'the incident with raised: [defect key] (empty when it was released already)', 400: 'the id is not a UUID', 404: 'no such incident' },
  },
  {
    method: 'get', path: '/admin/incidents', summary: 'Open storm incidents, for the dashboard', auth: 'admin',
    responses: { 200: '{data: [incident]}' },
  },
  {
    method: 'post', path: '/admin/hooks', summary: 'Create an outgoing webhook: events POSTed signed (Standard Webhooks); the secret is in this answer only', body: 'CreateHook', auth: 'admin',
    responses: { 201: 'the hook with its secret (whsec_…)', 400: 'a field is invalid, or the URL resolves to a loopback, private, link-local or reserved address' },
  },
  { method: 'get', path: '/admin/hooks', summary: 'Every outgoing webhook (never a secret)', auth: 'admin', responses: { 200: '{data: [hook]}' } },
  { method: 'get', path: '/admin/hooks/:id', summary: 'One outgoing webhook', params: hook, auth: 'admin', responses: { 200: 'the hook', 404: 'no such hook' } },
  {
    method: 'patch', path: '/admin/hooks/:id', summary: 'Change its URL, events, description, or enable it again (which clears its failing streak)', params: hook, body: 'PatchHook', auth: 'admin',
    responses: { 200: 'the hook', 400: 'a field is invalid', 404: 'no such hook' },
  },
  { method: 'delete', path: '/admin/hooks/:id', summary: 'Delete the hook and its deliveries', params: hook, auth: 'admin', responses: { 204: 'deleted', 404: 'no such hook' } },
  {
    method: 'post', path: '/admin/hooks/:id/rotate', summary: 'A new secret, shown in this answer only; the old one signs beside it for 24 h', params: hook, auth: 'admin',
    responses: { 200: 'the hook with its new secret and previousSecretValidUntil', 404: 'no such hook' },
  },
  {
    method: 'get', path: '/admin/hooks/:id/deliveries', summary: 'Its deliveries, newest first: status, attempts, times, the answer\'s start', params: hook, query: DeliveriesQuery, auth: 'admin',
    responses: { 200: '{data: [delivery]}', 400: 'a parameter is invalid', 404: 'no such hook' },
  },
  {
    method: 'post', path: '/admin/hooks/:id/deliveries/:deliveryId/redeliver', summary: 'Send the delivery again (the same webhook-id and body)', auth: 'admin',
    params: { ...hook, deliveryId: { description: 'delivery id (msg_…), the webhook-id', schema: DeliveryParams } },
    responses: { 202: 'queued', 400: 'a parameter is invalid', 404: 'no such delivery of that hook' },
  },
];

/** The JSON Schema of a request schema as the client sends it (before coercions and transforms). */
export function requestJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
}

/** /api/defects/:idOrKey → /api/defects/{idOrKey} */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

const HEADER_PARAMS = {
  'If-Match': { in: 'header', name: 'If-Match', required: false, description: 'the version from the ETag; 412 when stale', schema: requestJsonSchema(IfMatch) },
  'X-Actor': {
    in: 'header', name: 'X-Actor', required: false,
    description: 'who makes the change (default "api"); at most 200 characters; the service\'s own names are refused',
    schema: { type: 'string', maxLength: 200 },
  },
} as const;

function parameters(route: ApiRoute): object[] {
  const path = Object.entries(route.params ?? {}).map(([name, p]) => ({
    in: 'path', name, required: true, description: p.description,
    schema: p.schema ? propertySchema(p.schema, name) : { type: 'string', minLength: 1 },
  }));
  const query = route.query ? queryParameters(route.query) : [];
  const headers = (route.headers ?? []).map((h) => HEADER_PARAMS[h]);
  return [...path, ...query, ...headers];
}

function propertySchema(schema: z.ZodObject, name: string): unknown {
  return (requestJsonSchema(schema).properties as Record<string, unknown>)[name];
}

/** One parameter per property of the query schema, each with its part of the generated schema. */
export function queryParameters(schema: z.ZodObject): { in: 'query'; name: string; required: boolean; schema: unknown }[] {
  const json = requestJsonSchema(schema) as { properties: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties).map(([name, s]) => ({ in: 'query', name, required: json.required?.includes(name) ?? false, schema: s }));
}

/** patch /api/defects/:idOrKey → patchApiDefectsIdOrKey */
function operationId(route: ApiRoute): string {
  const words = route.path.split(/[/:-]+/).filter(Boolean);
  return route.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

const jsonOf = (schema: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } });

function operation(route: ApiRoute): object {
  const unauthorized = route.auth === 'admin' ? 'no valid ADMIN_TOKEN bearer token or dashboard session (503 when ADMIN_TOKEN is unset)' : 'no valid bearer token (or, without API_TOKEN, not a loopback client)';
  const all = { ...route.responses, ...(route.auth !== false && { 401: unauthorized }) };
  const responses = Object.fromEntries(
    Object.entries(all).map(([status, description]) => {
      const schema = route.responseSchemas?.[Number(status)] ?? (Number(status) >= 400 ? 'Error' : undefined);
      return [status, { description, ...(schema && { content: jsonOf(schema) }) }];
    }),
  );
  const params = parameters(route);
  return {
    summary: route.summary,
    operationId: operationId(route),
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && { requestBody: { required: route.bodyOptional !== true, content: jsonOf(route.body) } }),
    responses,
    security: route.auth === false ? [] : route.auth === 'admin' ? [{ admin: [] }] : [{ bearer: [] }],
  };
}

/** Built once: the routes and schemas do not change while the process runs. */
let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= buildDocument();
  return cached;
}

function buildDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of API_ROUTES) (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.1',
    info: {
      title: 'Defect Sync',
      version: '0.1.0',
      description: 'QA defects kept in step with Jira, GitHub Issues and Asana. JSON in and out; every error has one shape.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: {
        ...Object.fromEntries(Object.entries(REQUEST_SCHEMAS).map(([name, schema]) => [name, requestJsonSchema(schema)])),
        Error: z.toJSONSchema(ErrorBody),
        Readiness: z.toJSONSchema(ReadinessBody),
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'one of the tokens in API_TOKEN; without API_TOKEN, loopback clients need none' },
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (or a dashboard session cookie)' },
      },
    },
  };
}
