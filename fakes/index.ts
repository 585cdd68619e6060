// All three fake trackers on 127.0.0.1 with the same two people in each, plus the environment and
// SYNC_CONFIG file that point the service at them. Shared by the tests, the demo and the benchmarks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createGithubFake } from './github/server.ts';
import { createJiraFake } from './jira/server.ts';
import { createAsanaFake } from './asana/server.ts';
import { findMarker } from '../connectors/marker.ts';

export const ANA = { email: 'ana@example.com', github: 'ana-gh', jira: '5b10a2844c20165700ede21g', name: 'Ana' };
export const BOB = { email: 'bob@example.com', github: 'bob-gh', jira: '5b10ac8d82e05b22cc7d4ef5', name: 'Bob' };

export type FakeTrackerOptions = {
  /** Ports for GitHub, Jira and Asana (default 0: any free port). */
  ports?: [number, number, number];
  /** The GitHub repository (default acme/app). */
  repository?: string;
  /** More SYNC_CONFIG settings (e.g. field directions), added to the people and severity field. */
  syncConfig?: Record<string, unknown>;
};

export async function startTrackers(opts: FakeTrackerOptions = {}) {
  const repository = opts.repository ?? 'acme/app';
  const [ghPort, jiraPort, asanaPort] = opts.ports ?? [0, 0, 0];
  const github = createGithubFake({ token: 'ghp_fake_token_e2e', repository, collaborators: [ANA.github, BOB.github] });
  const jira = createJiraFake({
    email: 'qa.bot@example.com',
    apiToken: 'jira-fake-token-e2e',
    projectKey: 'QA',
    users: [ANA, BOB].map((p) => ({ accountId: p.jira, displayName: p.name })),
  });
  const asana = createAsanaFake({ token: 'asana-fake-token-e2e', users: [ANA, BOB].map((p) => ({ email: p.email, name: p.name })) });
  await Promise.all([github.tracker.start(ghPort), jira.tracker.start(jiraPort), asana.tracker.start(asanaPort)]);

  // A text field "Milestone" on the Asana project carries the defect's milestone (asana.milestoneField).
  const milestoneField = asana.addTextField('Milestone');
  const asanaGid = (email: string) => asana.users().find((u) => u.email === email)!.gid;
  const people = [ANA, BOB].map((p) => ({ email: p.email, github: p.github, jira: p.jira, asana: asanaGid(p.email) }));
  /** A new SYNC_CONFIG file: the people in every fake and Asana's severity field, plus `extra` (connections, routes…). */
  const syncConfigFile = (extra: Record<string, unknown> = {}): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'defect-sync-fakes-')), 'sync.yaml');
    writeFileSync(path, stringify({ people, asana: { severityField: asana.severityField(), milestoneField: { gid: milestoneField } }, ...extra }));
    return path;
  };
  const syncConfig = syncConfigFile(opts.syncConfig);

  const env: Record<string, string> = {
    GITHUB_TOKEN: github.token,
    GITHUB_REPOSITORY: repository,
    GITHUB_API_URL: github.tracker.baseUrl,
    JIRA_BASE_URL: jira.tracker.baseUrl,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
    JIRA_PROJECT_KEY: 'QA',
    ASANA_TOKEN: 'asana-fake-token-e2e',
    ASANA_WORKSPACE_GID: asana.workspaceGid,
    ASANA_PROJECT_GID: asana.project.gid,
    ASANA_API_URL: asana.apiUrl,
    SYNC_CONFIG: syncConfig,
  };

  /** Tickets each tracker holds for a defect, found by the marker they carry. */
  const ticketsFor = (defectId: string) => ({
    github: github.issues().filter((i) => findMarker(i.body as string) === defectId),
    jira: jira.issues().filter((i) => ((i.fields as { labels: string[] }).labels ?? []).some((l) => findMarker(l) === defectId)),
    asana: asana.tasks().filter((t) => findMarker(t.notes as string) === defectId),
  });

  return {
    github,
    jira,
    asana,
    env,
    people,
    asanaGid,
    milestoneField,
    syncConfigFile,
    ticketsFor,
    /** Calls that change a ticket (edits and status moves), per tracker. */
    writes: () => ({
      github: ['ticket.update', 'labels.add', 'labels.remove', 'assignees.add', 'assignees.remove'].reduce((n, r) => n + github.tracker.count(r), 0),
      jira: jira.tracker.count('ticket.update') + jira.tracker.count('transition.do'),
      asana: ['ticket.update', 'task.addTag', 'task.removeTag'].reduce((n, r) => n + asana.tracker.count(r), 0),
    }),
    creates: () => ({
      github: github.tracker.count('ticket.create'),
      jira: jira.tracker.count('ticket.create'),
      asana: asana.tracker.count('ticket.create'),
    }),
    /**
     * Points GitHub's and Jira's webhooks at the service (Asana's are registered by the service itself,
     * through the fake's webhook API) and signs them with these secrets.
     */
    sendWebhooksTo(serviceUrl: string, secrets: { github: string; jira: string }) {
      github.webhooks.target = `${serviceUrl}/webhooks/github`;
      github.webhooks.secret = secrets.github;
      jira.webhooks.target = `${serviceUrl}/webhooks/jira`;
      jira.webhooks.secret = secrets.jira;
    },
    /** Waits until every webhook delivery under way has been answered. */
    async webhooksSettled() {
      await Promise.all([github.webhooks.settled(), jira.webhooks.settled()]);
    },
    clearFaults() {
      for (const f of [github, jira, asana]) f.tracker.clearFaults();
    },
    async stop() {
      await Promise.all([github.tracker.stop(), jira.tracker.stop(), asana.tracker.stop()]);
    },
  };
}

export type Trackers = Awaited<ReturnType<typeof startTrackers>>;

/** A person's name for an id in any tracker (for printing). */
export function personFor(t: Trackers, id: string | null | undefined): string {
  return [ANA, BOB].find((p) => p.github === id || p.jira === id || t.asanaGid(p.email) === id)?.name ?? '-';
}
