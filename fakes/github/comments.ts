// The fake GitHub's issue comments (REST "Issue comments"): GET/POST /repos/{o}/{r}/issues/{n}/comments,
// GET/PATCH/DELETE /repos/{o}/{r}/issues/comments/{id}. As GitHub: an empty or missing body is 422
// "Validation Failed" (missing_field), a body over 65,536 characters 422 "body is too long", a deleted
// issue 410. Every write, through the API or by a "person", is announced as a signed `issue_comment`
// delivery (created / edited with changes.body.from / deleted), shaped like GitHub's payload.
import { randomUUID } from 'node:crypto';
import { httpError, idStart, type FakeRequest, type FakeResponse, type Route } from '../kit.ts';
import { hmacHex, type Delivery, type FakeWebhookSender } from '../webhooks.ts';

export type FakeGithubComment = { id: number; issueNumber: number; body: string; user: string; created_at: string; updated_at: string; deleted: boolean };

type Ctx = {
  base: () => string;
  repository: string;
  login: string;
  now: () => number;
  /** The issue's JSON (throws GitHub's 404/410 answer as an httpError when it cannot be commented on). */
  issueJson: (number: number) => Record<string, unknown>;
  webhooks: () => FakeWebhookSender;
  guarded: (handle: (req: FakeRequest) => FakeResponse, docs: string) => (req: FakeRequest) => FakeResponse;
};

const DOCS = 'https://docs.github.com/rest/issues/comments';
const MAX = 65_536;

export function githubComments(ctx: Ctx) {
  const comments: FakeGithubComment[] = [];
  let nextId = idStart(2_000_001);
  let lastStamp = 0;
  // Whole seconds, like GitHub; never going back.
  const stamp = () => new Date(Math.max(lastStamp, Math.floor(ctx.now() / 1000) * 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');

  function json(c: FakeGithubComment): Record<string, unknown> {
    const api = `${ctx.base()}/repos/${ctx.repository}`;
    return {
      id: c.id,
      node_id: `IC_fake${c.id}`,
      url: `${api}/issues/comments/${c.id}`,
      html_url: `${ctx.base()}/${ctx.repository}/issues/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${c.issueNumber}`,
      body: c.body,
      user: { login: c.user, type: 'User' },
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user === ctx.login ? 'OWNER' : 'CONTRIBUTOR',
    };
  }

  function validBody(body: unknown): string {
    const text = (body as { body?: unknown } | undefined)?.body;
    if (typeof text !== 'string' || text.trim() === '') {
      throw Object.assign(httpError(422, 'Validation Failed'), { errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }] });
    }
    if ([...text].length > MAX) {
      throw Object.assign(httpError(422, 'Validation Failed'), { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX} characters)` }] });
    }
    return text;
  }

  function find(id: string): FakeGithubComment {
    const c = comments.find((x) => String(x.id) === id && !x.deleted);
    if (!c) throw httpError(404, 'Not Found');
    return c;
  }

  function delivery(action: 'created' | 'edited' | 'deleted', c: FakeGithubComment, from: string | undefined, secret: string): Delivery | null {
    let issue: Record<string, unknown>;
    try {
      issue = ctx.issueJson(c.issueNumber);
    } catch {
      return null;
    }
    const body = JSON.stringify({
      action,
      issue,
      comment: json(c),
      ...(from !== undefined && { changes: { body: { from } } }),
      repository: { full_name: ctx.repository },
      sender: { login: c.user, type: 'User' },
    });
    return {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/fake',
        'x-github-event': 'issue_comment',
        'x-github-delivery': randomUUID(),
        'x-github-hook-id': '1',
        'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
      },
      body,
    };
  }
  const announce = (action: 'created' | 'edited' | 'deleted', c: FakeGithubComment, from?: string) =>
    ctx.webhooks().announce((secret) => delivery(action, c, from, secret));

  function create(number: number, body: string, user: string): FakeGithubComment {
    ctx.issueJson(number);
    const at = stamp();
    const c: FakeGithubComment = { id: nextId++, issueNumber: number, body, user, created_at: at, updated_at: at, deleted: false };
    comments.push(c);
    announce('created', c);
    return c;
  }
  function edit(c: FakeGithubComment, body: string): FakeGithubComment {
    const from = c.body;
    c.body = body;
    c.updated_at = stamp();
    announce('edited', c, from);
    return c;
  }
  function remove(c: FakeGithubComment): void {
    c.deleted = true;
    announce('deleted', c);
  }
  const issueNumber = (req: FakeRequest) => {
    const n = Number(req.params['number']);
    if (!Number.isSafeInteger(n)) throw httpError(404, 'Not Found');
    return n;
  };

  const routes: Route[] = [
    {
      name: 'comments.list', method: 'GET', path: '/repos/:owner/:repo/issues/:number/comments',
      handle: ctx.guarded((req) => {
        const n = issueNumber(req);
        ctx.issueJson(n);
        const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
        const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
        const all = comments.filter((c) => c.issueNumber === n && !c.deleted);
        return { status: 200, body: all.slice((page - 1) * perPage, page * perPage).map(json) };
      }, `${DOCS}#list-issue-comments`),
    },
    {
      name: 'comments.create', method: 'POST', path: '/repos/:owner/:repo/issues/:number/comments',
      handle: ctx.guarded((req) => ({ status: 201, body: json(create(issueNumber(req), validBody(req.body), ctx.login)) }), `${DOCS}#create-an-issue-comment`),
    },
    {
      name: 'comments.get', method: 'GET', path: '/repos/:owner/:repo/issues/comments/:id',
      handle: ctx.guarded((req) => ({ status: 200, body: json(find(req.params['id']!)) }), `${DOCS}#get-an-issue-comment`),
    },
    {
      name: 'comments.update', method: 'PATCH', path: '/repos/:owner/:repo/issues/comments/:id',
      handle: ctx.guarded((req) => {
        const c = find(req.params['id']!);
        return { status: 200, body: json(edit(c, validBody(req.body))) };
      }, `${DOCS}#update-an-issue-comment`),
    },
    {
      name: 'comments.delete', method: 'DELETE', path: '/repos/:owner/:repo/issues/comments/:id',
      handle: ctx.guarded((req) => {
        remove(find(req.params['id']!));
        return { status: 204 };
      }, `${DOCS}#delete-an-issue-comment`),
    },
  ];

  return {
    routes,
    /** Every comment ever made (deleted ones flagged). */
    all: comments,
    /** The live comments of an issue in GitHub's JSON form, oldest first. */
    of: (number: number) => comments.filter((c) => c.issueNumber === number && !c.deleted).map(json),
    /** A person comments in the web UI (announced). */
    byHand: (number: number, body: string, user = 'octo-person') => json(create(number, body, user)),
    editByHand: (id: number, body: string) => json(edit(find(String(id)), body)),
    deleteByHand: (id: number) => remove(find(String(id))),
  };
}
