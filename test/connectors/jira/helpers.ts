// Shared fixtures of the Jira connector tests: settings, people, and a ticket in defect terms.
import type { OutboundTicket, TicketFields } from '../../../connectors/contract.ts';
import { createJiraConnector, type JiraSettings } from '../../../connectors/jira/connector.ts';
import { jiraMappingSchema } from '../../../connectors/jira/mapping.ts';
import { People } from '../../../connectors/people.ts';

export const DEFECT_ID = '3f1c9a52-7d4e-4b8a-9c0d-2e6f5a1b7c90';
export const OTHER_DEFECT_ID = '8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d';
export const MARKER = `defect-sync-${DEFECT_ID}`;

export const ALICE = { email: 'alice@example.com', jira: '557058:alice-0001' };
export const BOB = { email: 'bob@example.com', jira: '557058:bob-0002' };
export const people = new People([ALICE, BOB, { email: 'nojira@example.com' }]);

export function settingsFor(baseUrl: string, overrides: Partial<JiraSettings> = {}): JiraSettings {
  return { baseUrl, email: 'qa.bot@example.com', apiToken: 'fake-jira-api-token', projectKey: 'QA', issueType: 'Bug', ...overrides };
}

export function connectorFor(baseUrl: string, opts: { settings?: Partial<JiraSettings>; mapping?: unknown; timeoutMs?: number } = {}) {
  return createJiraConnector({
    settings: settingsFor(baseUrl, opts.settings),
    mapping: jiraMappingSchema.parse(opts.mapping ?? {}),
    people,
    ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
  });
}

export function ticket(fields: Partial<TicketFields> = {}, defectId = DEFECT_ID): OutboundTicket {
  return {
    fields: {
      title: 'Checkout fails with an expired card',
      description: 'Paying with an expired card shows a blank page.\n\nExpected: a clear error.',
      severity: 'high',
      status: 'open',
      assignee: ALICE.email,
      milestone: null,
      tags: [],
      ...fields,
    },
    context: {
      defectId,
      defectKey: 'DEF-42',
      defectUrl: 'https://defects.example.com/defects/DEF-42',
      failingRuns: [
        { testCase: 'checkout/expired-card', launch: 'nightly #812', message: 'Expected error banner\nbut got blank', ranAt: '2026-11-24T02:10:00Z' },
      ],
    },
  };
}

export function basicAuth(email = 'qa.bot@example.com', token = 'fake-jira-api-token'): string {
  return `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
}

const t = (text: string, marks?: object[]) => (marks ? { type: 'text', text, marks } : { type: 'text', text });
const p = (...content: object[]) => ({ type: 'paragraph', content });

/** The description field for ticket() written out by hand, so tests do not trust the renderer. */
export function expectedAdf(severity = 'high', description: object[] = [p(t('Paying with an expired card shows a blank page.')), p(t('Expected: a clear error.'))]) {
  return {
    type: 'doc',
    version: 1,
    content: [
      ...description,
      { type: 'rule' },
      { type: 'heading', attrs: { level: 4 }, content: [t('Synced by Defect Sync')] },
      p(t('Defect:', [{ type: 'strong' }]), t(' '), t('DEF-42', [{ type: 'link', attrs: { href: 'https://defects.example.com/defects/DEF-42' } }])),
      p(t('Severity:', [{ type: 'strong' }]), t(' '), t(severity)),
      p(t('Failing tests:', [{ type: 'strong' }]), t(' '), t('1')),
      {
        type: 'bulletList',
        content: [
          {
            type: 'listItem',
            content: [p(t('checkout/expired-card', [{ type: 'code' }]), t(' (nightly #812, 2026-11-24T02:10:00Z: Expected error banner but got blank)'))],
          },
        ],
      },
    ],
  };
}
