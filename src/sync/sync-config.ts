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
import { ConfigError } from '../config.ts';

export const DIRECTIONS = ['both', 'outbound', 'inbound', 'off'] as const;
export type Direction = (typeof DIRECTIONS)[number];

const direction = z.enum(DIRECTIONS, `must be one of ${DIRECTIONS.join(', ')}`);

const PersonSchema = z
  .object({
    email: z.email({ error: 'must be an email address' }),
    github: z.string().min(1).optional(),
    jira: z.string().min(1).optional(),
    asana: z.string().regex(/^\d+$/, 'must be an Asana user gid').optional(),
  })
  .strict();

export const SyncConfigSchema = z
  .object({
    fields: z
      .object(Object.fromEntries(TICKET_FIELDS.map((f) => [f, direction.default('both')])) as Record<TicketField, z.ZodDefault<typeof direction>>)
      .strict()
      .default(Object.fromEntries(TICKET_FIELDS.map((f) => [f, 'both'])) as Record<TicketField, Direction>),
    people: z.array(PersonSchema).default([]),
    github: githubMappingSchema.default(githubMappingSchema.parse({})),
    jira: jiraMappingSchema.default(jiraMappingSchema.parse({})),
    asana: asanaMappingSchema.default(asanaMappingSchema.parse({})),
  })
  .strict();

export type SyncConfig = z.infer<typeof SyncConfigSchema>;

/** Parses the file's text (JSON is YAML too) or throws a ConfigError naming each bad value. */
export function parseSyncConfig(text: string, source = 'SYNC_CONFIG'): SyncConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError([`${source}: not valid JSON or YAML (${(err as Error).message.split('\n')[0]})`]);
  }
  const parsed = SyncConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        return i.code === 'unrecognized_keys'
          ? `${source} ${[path, ...i.keys].filter(Boolean).join('.')}: is not a known setting`
          : `${source} ${path || '(root)'}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}

export function loadSyncConfig(path: string | undefined): SyncConfig {
  if (!path) return SyncConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`SYNC_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseSyncConfig(text, `SYNC_CONFIG (${path})`);
}

/** The fields that outbound sync writes. */
export function outboundFields(config: SyncConfig): Set<TicketField> {
  return new Set(TICKET_FIELDS.filter((f) => config.fields[f] === 'both' || config.fields[f] === 'outbound'));
}
