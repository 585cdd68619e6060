// The connector's jira.js client (connectors/jira/sdk.ts) is the six API groups it calls, built from
// jira.js's own group modules: each group must have exactly the methods createCloudClient gives it, and a
// method must send what createCloudClient's would. Loading the full client here is fine (a test process).
import { describe, expect, it } from 'vitest';
import { createCloudClient } from 'jira.js';
import type { Client, SendRequestOptions } from 'jira.js/core';
import { createJiraClient, JIRA_GROUPS } from '../../../connectors/jira/sdk.ts';

/** A Client that records each request and answers `{}`. */
function recording(): { client: Client; sent: SendRequestOptions[] } {
  const sent: SendRequestOptions[] = [];
  return { sent, client: { sendRequest: async (request: SendRequestOptions) => (sent.push(request), {}) } as unknown as Client };
}

describe("the connector's jira.js client", () => {
  it('has, for each group it uses, the methods createCloudClient has', () => {
    const full = createCloudClient(recording().client) as unknown as Record<string, Record<string, unknown>>;
    const subset = createJiraClient(recording().client) as unknown as Record<string, Record<string, unknown>>;
    expect(Object.keys(subset).sort()).toEqual([...JIRA_GROUPS].sort());
    for (const group of JIRA_GROUPS) expect(Object.keys(subset[group]!).sort(), group).toEqual(Object.keys(full[group]!).sort());
  });

  it('sends what createCloudClient sends, with and without parameters', async () => {
    const a = recording();
    const b = recording();
    const params = { issueIdOrKey: 'QA-12', fields: ['summary', 'status'] };
    await createCloudClient(a.client).issues.getIssue(params);
    await createJiraClient(b.client).issues.getIssue(params);
    await createCloudClient(a.client).myself.getCurrentUser();
    await createJiraClient(b.client).myself.getCurrentUser();
    expect(b.sent).toEqual(a.sent);
    expect(b.sent.map((r) => r.url)).toEqual(['/rest/api/3/issue/QA-12', '/rest/api/3/myself']);
  });
});
