// Webhook receivers of the three trackers: signatures checked against the raw body, deliveries turned
// into notices naming tickets. GitHub's payloads are its published examples (@octokit/webhooks-examples);
// Jira's and Asana's are built from their public docs.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import examples from '@octokit/webhooks-examples';
import { createGithubWebhookReceiver } from '../../connectors/github/webhook.ts';
import { createJiraWebhookReceiver } from '../../connectors/jira/webhook.ts';
import { createAsanaWebhookReceiver } from '../../connectors/asana/webhook.ts';
import { WebhookPayloadError, type WebhookRequest } from '../../connectors/webhooks.ts';

const hmac = (secret: string, body: Buffer | string) => createHmac('sha256', secret).update(body).digest('hex');
const req = (headers: Record<string, string>, body: unknown): WebhookRequest => ({
  headers,
  rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

/** Any body's content key: a SHA-256 digest of the raw (signed) body. */
const DIGEST = expect.stringMatching(/^sha256:[0-9a-f]{64}$/);

const issueExamples = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find((e) => e.name === 'issues')!.examples;

describe('GitHub webhooks', () => {
  const first = issueExamples[0]!;
  const repository = (first['repository'] as { full_name: string }).full_name;
  const gh = createGithubWebhookReceiver({ repository });
  const signed = (body: unknown, secret = 'gh-secret', event = 'issues') => {
    const r = req({ 'x-github-event': event, 'x-github-delivery': 'd-1' }, body);
    return { ...r, headers: { ...r.headers, 'x-hub-signature-256': `sha256=${hmac(secret, r.rawBody)}` } };
  };

  it('verifies X-Hub-Signature-256 against any configured secret, and nothing else', async () => {
    const r = signed(first);
    expect(await gh.verify(r, ['gh-secret'])).toBe(true);
    expect(await gh.verify(r, ['old-secret', 'gh-secret'])).toBe(true); // rotation
    expect(await gh.verify(r, ['other'])).toBe(false);
    expect(await gh.verify(r, [])).toBe(false);
    expect(await gh.verify({ ...r, rawBody: Buffer.concat([r.rawBody, Buffer.from(' ')]) }, ['gh-secret'])).toBe(false);
    expect(await gh.verify({ ...r, headers: { ...r.headers, 'x-hub-signature-256': undefined } }, ['gh-secret'])).toBe(false);
    expect(await gh.verify({ ...r, headers: { ...r.headers, 'x-hub-signature-256': 'sha256=zz' } }, ['gh-secret'])).toBe(false);
  });

  it("names the issue of GitHub's published issue_comment examples (created, edited, deleted), and not a pull request's", () => {
    const commentExamples = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).find((e) => e.name === 'issue_comment')!.examples;
    expect(commentExamples.length).toBeGreaterThan(0);
    for (const body of commentExamples) {
      const ghFor = createGithubWebhookReceiver({ repository: (body['repository'] as { full_name: string }).full_name });
      const issue = body['issue'] as { number: number; pull_request?: unknown };
      const [notice] = ghFor.parse(signed(body, 'gh-secret', 'issue_comment'), body);
      expect(notice!.event).toBe(`issue_comment.${String(body['action'])}`);
      expect(notice!.remoteIds).toEqual(issue.pull_request ? [] : [String(issue.number)]);
    }
  });

  it('refuses a body that is not UTF-8 even when its signature matches the bytes', async () => {
    const raw = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(await gh.verify({ headers: { 'x-hub-signature-256': `sha256=${hmac('s', raw)}` }, rawBody: raw }, ['s'])).toBe(false);
  });

  it.each(issueExamples.map((e) => [e['action'] as string, e] as const))('names the issue of every published issues.%s example in our repository', (action, body) => {
    const issue = body['issue'] as { number: number; pull_request?: unknown };
    const sameRepo = (body['repository'] as { full_name: string }).full_name.toLowerCase() === repository.toLowerCase();
    const notices = gh.parse(signed(body), body);
    expect(notices).toEqual([{ deliveryId: 'd-1', event: `issues.${action}`, remoteIds: sameRepo && !issue.pull_request ? [String(issue.number)] : [], contentKey: DIGEST }]);
  });

  it('acknowledges ping and other events without naming a ticket, and ignores other repositories', () => {
    expect(gh.parse(signed({ zen: 'Keep it simple.' }, 'gh-secret', 'ping'), { zen: 'Keep it simple.' })).toEqual([
      { deliveryId: 'd-1', event: 'ping', remoteIds: [], contentKey: DIGEST },
    ]);
    const elsewhere = { ...first, repository: { full_name: 'someone/else' } };
    expect(gh.parse(signed(elsewhere), elsewhere)[0]!.remoteIds).toEqual([]);
  });

  it('keys a delivery by a digest of its signed body, whatever its (unsigned) delivery id, and names no issue for an impossible number', () => {
    const r = signed(first);
    const again = { ...r, headers: { ...r.headers, 'x-github-delivery': 'a-fresh-id' } };
    const [a, b] = [gh.parse(r, first)[0]!, gh.parse(again, first)[0]!];
    expect(a.contentKey).toBe(`sha256:${createHash('sha256').update(r.rawBody).digest('hex')}`);
    expect(b).toEqual({ ...a, deliveryId: 'a-fresh-id' });
    const other = { ...first, action: 'reopened' };
    expect(gh.parse(signed(other), other)[0]!.contentKey).not.toBe(a.contentKey);
    for (const number of [1e300, -1, 0]) {
      const body = { ...first, issue: { ...(first['issue'] as object), number } };
      expect(gh.parse(signed(body), body)[0]!.remoteIds).toEqual([]);
    }
  });

  it('refuses malformed deliveries with a WebhookPayloadError', () => {
    expect(() => gh.parse(req({ 'x-github-event': 'issues' }, first), first)).toThrow(WebhookPayloadError);
    expect(() => gh.parse(signed([1]), [1])).toThrow(WebhookPayloadError);
    expect(() => gh.parse(signed({ action: 'opened', issue: { number: 'x' }, repository: { full_name: repository } }), { action: 'opened', issue: { number: 'x' }, repository: { full_name: repository } })).toThrow(
      /issue.number/,
    );
  });
});

describe('Jira webhooks', () => {
  const jira = createJiraWebhookReceiver();
  // Shape from Atlassian's "Webhooks" page: an issue_updated event carries the issue and its changelog.
  const updated = {
    timestamp: 1795851582949,
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Ana' },
    issue: { id: '10042', self: 'https://acme.atlassian.net/rest/api/3/issue/10042', key: 'QA-7', fields: { summary: 'Login fails' } },
    changelog: { id: '10130', items: [{ field: 'status', fieldtype: 'jira', from: '10000', fromString: 'To Do', to: '10001', toString: 'Done' }] },
  };
  const signed = (body: unknown, secret = 'jira-secret') => {
    const r = req({ 'x-atlassian-webhook-identifier': 'jira-d-1' }, body);
    return { ...r, headers: { ...r.headers, 'x-hub-signature': `sha256=${hmac(secret, r.rawBody)}` } };
  };

  it('verifies X-Hub-Signature and names the issue by id', async () => {
    const r = signed(updated);
    expect(await jira.verify(r, ['jira-secret'])).toBe(true);
    expect(await jira.verify(r, ['nope'])).toBe(false);
    expect(jira.parse(r, updated)).toEqual([{ deliveryId: 'jira-d-1', event: 'jira:issue_updated', remoteIds: ['10042'], contentKey: DIGEST }]);
    const deleted = { ...updated, webhookEvent: 'jira:issue_deleted' };
    expect(jira.parse(signed(deleted), deleted)[0]!.remoteIds).toEqual(['10042']);
    const comment = { webhookEvent: 'comment_created', comment: { id: '1' } };
    expect(jira.parse(signed(comment), comment)[0]!.remoteIds).toEqual([]);
    // Comment webhooks carry their issue (issue 15): the issue is named, so its comments are read.
    const onIssue = { webhookEvent: 'comment_updated', comment: { id: '1' }, issue: { id: '10042', key: 'QA-7' } };
    expect(jira.parse(signed(onIssue), onIssue)[0]).toMatchObject({ event: 'comment_updated', remoteIds: ['10042'] });
  });

  it('refuses deliveries without an identifier or issue id', () => {
    expect(() => jira.parse(req({}, updated), updated)).toThrow(/X-Atlassian-Webhook-Identifier/);
    const noId = { ...updated, issue: { key: 'QA-7' } };
    expect(() => jira.parse(signed(noId), noId)).toThrow(/issue.id/);
  });
});

describe('Asana webhooks', () => {
  const asana = createAsanaWebhookReceiver();
  // Compact events as Asana's webhooks guide shows them.
  const delivery = {
    events: [
      {
        user: { gid: '1200', resource_type: 'user' },
        created_at: '2026-11-28T10:00:00.000Z',
        action: 'changed',
        resource: { gid: '1300', resource_type: 'task', resource_subtype: 'default_task' },
        parent: null,
        change: { field: 'completed', action: 'changed' },
      },
      {
        user: { gid: '1200', resource_type: 'user' },
        created_at: '2026-11-28T10:00:01.000Z',
        action: 'added',
        resource: { gid: '1400', resource_type: 'story', resource_subtype: 'comment_added' },
        parent: { gid: '1300', resource_type: 'task', resource_subtype: 'default_task' },
      },
      { action: 'changed', resource: { gid: '1500', resource_type: 'project' }, parent: null, created_at: '2026-11-28T10:00:02.000Z' },
    ],
  };
  const signed = (body: unknown, secret = 'asana-secret') => {
    const r = req({}, body);
    return { ...r, headers: { 'x-hook-signature': hmac(secret, r.rawBody) } };
  };

  it('verifies the bare-hex X-Hook-Signature with the handshake secret', async () => {
    expect(await asana.verify(signed(delivery), ['asana-secret'])).toBe(true);
    expect(await asana.verify(signed(delivery, 'x'), ['asana-secret'])).toBe(false);
    expect(await asana.verify(req({}, delivery), ['asana-secret'])).toBe(false);
  });

  it('names the task of each event, one notice per event with a stable identity', () => {
    const notices = asana.parse(signed(delivery), delivery);
    expect(notices.map((n) => [n.event, n.remoteIds])).toEqual([
      ['task.changed', ['1300']],
      ['story.added', ['1300']],
      ['project.changed', []],
    ]);
    expect(new Set(notices.map((n) => n.deliveryId)).size).toBe(3);
    expect(asana.parse(signed(delivery), JSON.parse(JSON.stringify(delivery)))).toEqual(notices); // a redelivery
  });

  it('refuses malformed deliveries', () => {
    expect(() => asana.parse(signed({}), {})).toThrow(/events/);
    const bad = { events: [{ action: 'changed', resource: { gid: 'x1', resource_type: 'task' } }] };
    expect(() => asana.parse(signed(bad), bad)).toThrow(/digits/);
  });
});

describe('telling an unsigned request from a signed one (a refused unsigned post never colours health)', () => {
  it.each([
    ['github', createGithubWebhookReceiver({ repository: 'acme/app' }), 'x-hub-signature-256'],
    ['jira', createJiraWebhookReceiver(), 'x-hub-signature'],
    ['asana', createAsanaWebhookReceiver(), 'x-hook-signature'],
  ] as const)('%s: signed only with its signature header, whatever it holds', (_tracker, receiver, name) => {
    expect(receiver.signed(req({}, {}))).toBe(false);
    expect(receiver.signed(req({ 'x-some-other-header': 'sha256=00' }, {}))).toBe(false);
    expect(receiver.signed(req({ [name]: 'not even hex' }, {}))).toBe(true);
  });
});
