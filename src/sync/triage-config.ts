// SYNC_CONFIG `triage:` (issue 16 part 2): which projects get automatic defects, and their rules. Absent,
// no project does (failures are still linked by signature and matchers). Included by sync-config.ts.
//
//   triage:
//     projects:
//       shop:
//         afterFailures: 2        # of the last…
//         ofRuns: 3               # …runs of the test case
//         severity:               # the first rule that holds; else defaultSeverity
//           - { tags: [smoke], severity: high }
//           - { testCase: "^checkout", severity: critical }
//         stormThreshold: 20      # more new signatures in one launch: a storm
//         stormRatio: 0.5         # or this share of its runs failed (from stormMinRuns runs)
import { z } from 'zod';
import { SEVERITIES } from '../domain/severity.ts';
import { PROJECT_CHARACTERS, PROJECT_MAX } from '../domain/text-rules.ts';
import { regexProblem } from '../domain/regex.ts';
import { TRIAGE_DEFAULTS, type TriageConfig } from '../domain/triage.ts';

const severity = z.enum(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`);
const regex = z.string().superRefine((p, ctx) => {
  const problem = regexProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const count = (min: number, max: number) => z.int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const SeverityRuleSchema = z
  .object({
    tags: z.array(z.string().trim().min(1)).min(1).optional(),
    testCase: regex.optional(),
    severity,
  })
  .strict();

const ProjectSchema = z
  .object({
    afterFailures: count(1, 50).default(TRIAGE_DEFAULTS.afterFailures),
    ofRuns: count(1, 50).default(TRIAGE_DEFAULTS.ofRuns),
    severity: z.array(SeverityRuleSchema).default([]),
    defaultSeverity: severity.default(TRIAGE_DEFAULTS.defaultSeverity),
    stormThreshold: count(0, 100_000).default(TRIAGE_DEFAULTS.stormThreshold),
    stormRatio: z.number('must be a number').gt(0, 'must be more than 0').max(1, 'must be at most 1').default(TRIAGE_DEFAULTS.stormRatio),
    stormMinRuns: count(1, 1_000_000).default(TRIAGE_DEFAULTS.stormMinRuns),
    settleMs: count(50, 86_400_000).default(TRIAGE_DEFAULTS.settleMs),
  })
  .strict()
  .refine((p) => p.afterFailures <= p.ofRuns, { path: ['afterFailures'], message: 'must not be more than ofRuns' });

const RULE = `must be 1 to ${PROJECT_MAX} of A-Z, a-z, 0-9, ".", "_" and "-"`;

export const TriageSchema = z
  .object({
    projects: z
      .record(z.string(), ProjectSchema)
      .superRefine((all, ctx) => {
        for (const name of Object.keys(all)) {
          if (name.length === 0 || name.length > PROJECT_MAX || !PROJECT_CHARACTERS.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `a project name ${RULE}` });
        }
      })
      .default({}),
  })
  .strict()
  .default({ projects: {} }) satisfies z.ZodType<TriageConfig>;
