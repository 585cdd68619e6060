// The SYNC_CONFIG file (JSON or YAML): which fields sync in which direction, who is who in each
// tracker, and each tracker's own mapping (statuses, severities). Every part has a default, so no
// file at all is a working configuration. Validated at start: a mistake stops the process with the
// path of each bad value.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TICKET_FIELDS, type TicketField } from '../../connectors/contract.ts';
import { githubMappingSchema } from '../../connectors/github/mapping.ts';
import { jiraMappingSchema } from '../../connectors/jira/mapping.ts';
import { asanaMappingSchema } from '../../connectors/asana/mapping.ts';
import { asanaGid, ConfigError, httpUrl, jiraProjectKey, repositoryName, secretList } from '../config.ts';
import { SEVERITIES } from '../domain/severity.ts';
import { PROJECT_CHARACTERS, PROJECT_MAX } from '../domain/text-rules.ts';
import { CONNECTION_NAME, type ConnectionConfig } from './connection-config.ts';
import { substituteEnv } from './env-refs.ts';
import { TriageSchema } from './triage-config.ts';

export const DIRECTIONS = ['both', 'outbound', 'inbound', 'off'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** An Asana user gid (a person's `asana`, or their account on an Asana connection). */
export const ASANA_USER = /^\d+$/;

const direction = z.enum(DIRECTIONS, `must be one of ${DIRECTIONS.join(', ')}`);

const PersonSchema = z
  .object({
    email: z.email({ error: 'must be an email address' }),
    github: z.string().min(1).optional(),
    jira: z.string().min(1).optional(),
    asana: z.string().regex(ASANA_USER, 'must be an Asana user gid').optional(),
    /** Their account on one connection, where it differs from their id of its kind (checked once the kinds are known). */
    accounts: z.record(z.string(), z.string().min(1)).optional(),
  })
  .strict();

const CONNECTION_NAME_RULE = 'a connection name must be 1 to 40 of a-z, 0-9 and "-"';
const connectionName = z.string().superRefine((n, ctx) => {
  if (!CONNECTION_NAME.test(n)) ctx.addIssue({ code: 'custom', message: `"${n}": ${CONNECTION_NAME_RULE}` });
});
// A credential in the URL would be logged and stored with the target: credentials have their own keys.
const apiUrl = httpUrl().refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry a user name or password (put the credential in its own setting)');
/** A connection's own mapping block, merged over the file's block of its kind (parsed after the merge). */
const mappingOverride = z.record(z.string(), z.unknown()).optional();

const GithubConnectionSchema = z
  .object({
    kind: z.literal('github'),
    repository: repositoryName(),
    token: z.string().min(1).optional(),
    app: z.object({ appId: z.coerce.number().int().positive(), privateKey: z.string().min(1), installationId: z.coerce.number().int().positive() }).strict().optional(),
    apiUrl: apiUrl.default('https://api.github.com'),
    webhookSecret: secretList(),
    github: mappingOverride,
    /** Test evidence comments of the verification loop on this connection's tickets (issue 15 part 3). */
    evidenceComments: z.boolean().optional(),
  })
  .strict()
  .refine((c) => (c.token === undefined) !== (c.app === undefined), { message: 'needs exactly one of token and app', path: ['token'] });
const JiraConnectionSchema = z
  .object({
    kind: z.literal('jira'),
    baseUrl: apiUrl,
    email: z.email({ error: 'must be an email address' }),
    apiToken: z.string().min(1),
    project: jiraProjectKey(),
    issueType: z.string().min(1).default('Bug'),
    apiUrl: apiUrl.optional(),
    searchLagMs: z.coerce.number().int().min(0).default(60_000),
    /** Sent with every create, as Jira's `fields` (components, a custom field the issue type requires…). */
    createFields: z.record(z.string(), z.unknown()).default({}),
    webhookSecret: secretList(),
    jira: mappingOverride,
    /** Test evidence comments of the verification loop on this connection's tickets (issue 15 part 3). */
    evidenceComments: z.boolean().optional(),
  })
  .strict();
const AsanaConnectionSchema = z
  .object({
    kind: z.literal('asana'),
    token: z.string().min(1),
    workspace: asanaGid(),
    project: asanaGid(),
    apiUrl: apiUrl.default('https://app.asana.com/api/1.0'),
    asana: mappingOverride,
    /** Test evidence comments of the verification loop on this connection's tickets (issue 15 part 3). */
    evidenceComments: z.boolean().optional(),
  })
  .strict();
const ConnectionSchema = z.discriminatedUnion('kind', [GithubConnectionSchema, JiraConnectionSchema, AsanaConnectionSchema], {
  error: 'kind must be one of github, jira, asana',
});

const RouteSchema = z
  .object({
    when: z
      .object({
        project: z.array(z.string().min(1).max(PROJECT_MAX).regex(PROJECT_CHARACTERS, `must be 1 to ${PROJECT_MAX} of A-Z, a-z, 0-9, ".", "_" and "-"`)).min(1).optional(),
        severity: z.array(z.enum(SEVERITIES)).min(1).optional(),
        // Trimmed as a defect's tags are (normalizeTags), so " payments" matches the tag payments.
        tags: z.array(z.string().trim().min(1)).min(1).optional(),
      })
      .strict()
      .default({}),
    to: z.array(connectionName).min(1, 'must name at least one connection'),
  })
  .strict();
export type Route = z.infer<typeof RouteSchema>;

const FileSchema = z
  .object({
    fields: z
      .object(Object.fromEntries(TICKET_FIELDS.map((f) => [f, direction.default('both')])) as Record<TicketField, z.ZodDefault<typeof direction>>)
      .strict()
      .default(Object.fromEntries(TICKET_FIELDS.map((f) => [f, 'both'])) as Record<TicketField, Direction>),
    people: z.array(PersonSchema).default([]),
    github: githubMappingSchema.default(githubMappingSchema.parse({})),
    jira: jiraMappingSchema.default(jiraMappingSchema.parse({})),
    asana: asanaMappingSchema.default(asanaMappingSchema.parse({})),
    // Names are checked here rather than as the record's key schema, whose refusal would not say the rule.
    connections: z
      .record(z.string(), ConnectionSchema)
      .superRefine((all, ctx) => {
        for (const name of Object.keys(all)) if (!CONNECTION_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: CONNECTION_NAME_RULE });
      })
      .default({}),
    /** Absent: every defect goes to every connection. */
    routes: z.array(RouteSchema).min(1, 'must hold at least one route (leave routes out to send every defect to every connection)').optional(),
    /** Failure triage's automatic defects, per project (src/sync/triage-config.ts). */
    triage: TriageSchema,
  })
  .strict();

export type SyncConfig = Omit<z.infer<typeof FileSchema>, 'connections'> & {
  /** The file's connections, each with its mapping merged and parsed. */
  connections: ConnectionConfig[];
};

/** The configuration of an empty file: every default. */
export function defaultSyncConfig(): SyncConfig {
  return { ...FileSchema.parse({}), connections: [] };
}

/**
 * Parses the file's text (JSON is YAML too) or throws a ConfigError naming each bad value. `"${VAR}"` in
 * any string is replaced from `env` first; an unset variable is named with the path that uses it.
 */
export function parseSyncConfig(text: string, source = 'SYNC_CONFIG', env: NodeJS.ProcessEnv = process.env): SyncConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError([`${source}: not valid JSON or YAML (${(err as Error).message.split('\n')[0]})`]);
  }
  const substituted = substituteEnv(raw, env);
  if (substituted.missing.length) {
    throw new ConfigError(
      substituted.missing.map((m) =>
        m.unsupported
          ? `${source} ${m.path}: ${m.variable} is not a reference this file expands; write \${NAME} (letters, digits, _), with no default or spaces`
          : `${source} ${m.path}: environment variable ${m.variable} is not set`,
      ),
    );
  }
  raw = substituted.value;
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => problem(source, i.path, i)));
  const file = parsed.data;
  const rawMappings = (raw ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const connections: ConnectionConfig[] = [];
  for (const [name, c] of Object.entries(file.connections)) {
    const override = c.kind === 'github' ? c.github : c.kind === 'jira' ? c.jira : c.asana;
    const merged = mergeDeep((rawMappings[c.kind] ?? {}) as Record<string, unknown>, override ?? {});
    const made = connectionOf(name, c, merged);
    if (made instanceof z.ZodError) problems.push(...made.issues.map((i) => problem(source, ['connections', name, c.kind, ...i.path], i)));
    else {
      if (c.evidenceComments === false) made.evidenceComments = false;
      connections.push(made);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { ...file, connections };
}

type Issue = { message: string; code?: string; keys?: readonly PropertyKey[] };

function problem(source: string, at: readonly PropertyKey[], i: Issue): string {
  const path = at.map(String).join('.');
  return i.code === 'unrecognized_keys'
    ? `${source} ${[path, ...(i.keys ?? []).map(String)].filter(Boolean).join('.')}: is not a known setting`
    : `${source} ${path || '(root)'}: ${i.message}`;
}

type ParsedConnection = z.infer<typeof ConnectionSchema>;

/** The connection with its mapping block parsed by its kind's schema, or that schema's refusal. */
function connectionOf(name: string, c: ParsedConnection, mapping: Record<string, unknown>): ConnectionConfig | z.ZodError {
  const base = { name, source: 'file' as const };
  switch (c.kind) {
    case 'github': {
      const m = githubMappingSchema.safeParse(mapping);
      if (!m.success) return m.error;
      // A GitHub App's installation tokens are minted by the connector (connectors/github).
      const settings = { repository: c.repository, apiUrl: c.apiUrl, ...(c.app ? { app: c.app } : { token: c.token! }) };
      return { ...base, kind: 'github', settings, mapping: m.data, webhookSecrets: c.webhookSecret ?? [] };
    }
    case 'jira': {
      const m = jiraMappingSchema.safeParse(mapping);
      if (!m.success) return m.error;
      const settings = { baseUrl: c.baseUrl, email: c.email, apiToken: c.apiToken, projectKey: c.project, issueType: c.issueType, searchLagMs: c.searchLagMs, createFields: c.createFields };
      return { ...base, kind: 'jira', settings, mapping: m.data, webhookSecrets: c.webhookSecret ?? [] };
    }
    case 'asana': {
      const m = asanaMappingSchema.safeParse(mapping);
      if (!m.success) return m.error;
      return { ...base, kind: 'asana', settings: { token: c.token, workspaceGid: c.workspace, projectGid: c.project, apiUrl: c.apiUrl }, mapping: m.data, webhookSecrets: [] };
    }
  }
}

/** `override` over `base`: objects merge key by key, anything else (arrays too) replaces. */
function mergeDeep(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeDeep(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `env` resolves the file's ${VAR} references (the process's environment by default). */
export function loadSyncConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): SyncConfig {
  if (!path) return defaultSyncConfig();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`SYNC_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseSyncConfig(text, `SYNC_CONFIG (${path})`, env);
}

/** The fields that outbound sync writes. */
export function outboundFields(config: SyncConfig): Set<TicketField> {
  return new Set(TICKET_FIELDS.filter((f) => config.fields[f] === 'both' || config.fields[f] === 'outbound'));
}
