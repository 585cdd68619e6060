import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSyncConfig, outboundFields, parseSyncConfig } from '../../src/sync/sync-config.ts';
import { ConfigError } from '../../src/config.ts';

const problems = (text: string): string[] => {
  try {
    parseSyncConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('SYNC_CONFIG', () => {
  it('has working defaults with no file', () => {
    const config = loadSyncConfig(undefined);
    expect(config.fields).toEqual({ title: 'both', description: 'both', severity: 'both', status: 'both', assignee: 'both', milestone: 'both', tags: 'both' });
    expect(config.people).toEqual([]);
    expect(config.github.severityLabels.high).toBe('severity: high');
    expect(config.jira.targets.closed).toBe('done');
    expect(config.asana.severityField).toBeNull();
  });

  it('reads the shipped example (YAML) and the same thing as JSON', () => {
    const yaml = readFileSync(new URL('../../sync-config.example.yaml', import.meta.url), 'utf8');
    const config = parseSyncConfig(yaml);
    expect(config.people[0]).toEqual({ email: 'ana@example.com', github: 'ana-gh', jira: '5b10a2844c20165700ede21g', asana: '1209000000000002' });
    expect(config.asana.severityField?.options.high).toBe('1209000000000102');
    expect(parseSyncConfig(JSON.stringify(parseYaml(yaml)))).toEqual(config);
  });

  it('overrides only what the file says', () => {
    const config = parseSyncConfig('fields:\n  status: outbound\n  assignee: off\njira:\n  statuses: { Rejected: closed }\n');
    expect(config.fields).toMatchObject({ status: 'outbound', assignee: 'off', title: 'both' });
    expect(config.jira.statuses).toEqual({ Rejected: 'closed' });
    expect(config.jira.priorities.critical).toBe('Highest');
    expect([...outboundFields(config)]).toEqual(['title', 'description', 'severity', 'status', 'milestone', 'tags']);
  });

  // Review #23: a name target Jira's status table does not list reads back as its category (say, "In Review"
  // as in progress), so a resolved defect would be pulled back to reopened and pushed again, forever.
  it('refuses a Jira status-name target that jira.statuses does not list, naming jira.targets.<status> and the name', () => {
    expect(problems('jira:\n  targets: { resolved: In Review }\n')).toEqual([
      'SYNC_CONFIG jira.targets.resolved: "In Review" is neither a status category (new, indeterminate, done) nor listed in jira.statuses; add it there with the defect status it reads back as, e.g. statuses: { "In Review": resolved }',
    ]);
    // Given statuses replace the default table, so a target named in the defaults must be listed again.
    expect(problems("jira:\n  statuses: { Blocked: in_progress }\n  targets: { closed: \"Won't Do\", reopened: Reopened }\n").map((p) => p.split(':')[0])).toEqual([
      'SYNC_CONFIG jira.targets.closed',
      'SYNC_CONFIG jira.targets.reopened',
    ]);
    // Listed (in any case), or a category key: fine.
    const ok = parseSyncConfig('jira:\n  statuses: { in review: resolved }\n  targets: { resolved: In Review, closed: done }\n');
    expect(ok.jira.targets.resolved).toBe('In Review');
    expect(parseSyncConfig("jira:\n  targets: { closed: \"Won't Do\" }\n").jira.targets.closed).toBe("Won't Do");
  });

  it('names every bad value by its path', () => {
    expect(problems('fields:\n  title: sideways\npeople:\n  - email: nope\n    asana: abc\ngithub:\n  colour: red\n')).toEqual([
      'SYNC_CONFIG fields.title: must be one of both, outbound, inbound, off',
      'SYNC_CONFIG people.0.email: must be an email address',
      'SYNC_CONFIG people.0.asana: must be an Asana user gid',
      'SYNC_CONFIG github.colour: is not a known setting',
    ]);
  });

  it('says when the file is not YAML or JSON, or cannot be read', () => {
    expect(problems('fields: [unclosed')[0]).toMatch(/^SYNC_CONFIG: not valid JSON or YAML/);
    expect(() => loadSyncConfig('/nonexistent/sync.yaml')).toThrow('SYNC_CONFIG: cannot read /nonexistent/sync.yaml (ENOENT)');
  });
});
