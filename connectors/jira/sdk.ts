// The jira.js client the connector uses: the six API groups it calls, built as createCloudClient builds
// them (each method is the group module's function bound to one Client). createCloudClient imports all of
// jira.js's ninety groups and their response schemas: 44 MB resident against 28 MB for these six
// (measured alone, Node 24; bench:outbound's RSS after 2,000 defects is the figure it moves). The group
// modules are not in jira.js's exports map, so they are imported by file URL next to its resolved entry
// point; test/connectors/jira/sdk.test.ts checks every group has the methods createCloudClient gives it.
import type { CloudClient } from 'jira.js';
import { createClient, type Client } from 'jira.js/core';

export const JIRA_GROUPS = ['issues', 'issueComments', 'issueSearch', 'myself', 'projectVersions', 'projects'] as const;

/** The part of jira.js's CloudClient the connector calls. */
export type JiraClient = Pick<CloudClient, (typeof JIRA_GROUPS)[number]>;

type GroupModule = Record<string, unknown>;

const apiDir = new URL('./cloud/api/', import.meta.resolve('jira.js'));
const modules: Record<string, GroupModule> = Object.fromEntries(
  await Promise.all(JIRA_GROUPS.map(async (group) => [group, (await import(new URL(`${group}.js`, apiDir).href)) as GroupModule] as const)),
);

export function createJiraClient(transport: Client): JiraClient {
  const client = createClient(transport);
  const bind = (module: GroupModule) =>
    Object.fromEntries(
      Object.entries(module)
        .filter((entry): entry is [string, (c: Client, p: unknown) => unknown] => typeof entry[1] === 'function')
        .map(([name, fn]) => [name, (parameters?: unknown) => fn(client, parameters)]),
    );
  return Object.fromEntries(JIRA_GROUPS.map((group) => [group, bind(modules[group]!)])) as unknown as JiraClient;
}
