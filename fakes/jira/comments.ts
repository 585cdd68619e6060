// The fake Jira's issue comments (REST v3 "Issue comments"): GET/POST /rest/api/3/issue/{idOrKey}/comment,
// GET/PUT/DELETE …/comment/{id}. Bodies are ADF documents; as Jira: a missing or empty body is 400
// {errors:{comment:"Comment body can not be empty!"}}, over 32,767 characters 400 "The entered text is too
// long…", a body that is not a document 400 (v3 takes ADF only). Every write, through the API or by a
// "person", is announced as a signed comment_created / comment_updated / comment_deleted delivery carrying
// the comment and the issue (id, key, fields), as Jira's comment webhooks do.
import { httpError, idStart, type FakeRequest, type FakeResponse, type Route } from '../kit.ts';
import { hmacHex, type Delivery, type FakeWebhookSender } from '../webhooks.ts';
import { jiraDate, type FakeIssue, type JiraFakeState } from './state.ts';

export type FakeJiraComment = { id: string; issueId: string; body: AdfLike; authorId: string; created: number; updated: number; deleted: boolean };
type AdfLike = { type: string; version?: number; content?: AdfLike[]; text?: string };

type Ctx = {
  base: () => string;
  state: JiraFakeState;
  botAccount: { accountId: string; displayName: string };
  webhooks: () => FakeWebhookSender;
  issueJson: (issue: FakeIssue) => unknown;
};

const MAX = 32_767;

function textOf(node: AdfLike): string {
  return (node.text ?? '') + (node.content ?? []).map(textOf).join('');
}

function bodyError(message: string): Error {
  return Object.assign(httpError(400, message), { jiraErrors: { comment: message } });
}

export function jiraComments(ctx: Ctx) {
  const comments: FakeJiraComment[] = [];
  let nextId = idStart(10_001);
  const people = new Map<string, string>([[ctx.botAccount.accountId, ctx.botAccount.displayName]]);

  function json(c: FakeJiraComment): Record<string, unknown> {
    const author = { accountId: c.authorId, displayName: people.get(c.authorId) ?? c.authorId, active: true, accountType: 'atlassian' };
    return {
      self: `${ctx.base()}/rest/api/3/issue/${c.issueId}/comment/${c.id}`,
      id: c.id,
      author,
      body: c.body,
      updateAuthor: author,
      created: jiraDate(c.created),
      updated: jiraDate(c.updated),
      jsdPublic: true,
    };
  }

  function validBody(req: FakeRequest): AdfLike {
    const body = (req.body as { body?: unknown } | undefined)?.body;
    if (body === undefined || body === null || body === '') throw bodyError('Comment body can not be empty!');
    const doc = body as AdfLike;
    if (typeof body !== 'object' || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) {
      throw bodyError('Comment body is not valid Atlassian Document Format.'); // approximated
    }
    const text = textOf(doc);
    if (text.trim() === '') throw bodyError('Comment body can not be empty!');
    if (text.length > MAX) throw bodyError(`The entered text is too long. It exceeds the allowed limit of ${MAX.toLocaleString('en-US')} characters.`);
    return doc;
  }

  function find(issue: FakeIssue, id: string): FakeJiraComment {
    const c = comments.find((x) => x.id === id && x.issueId === issue.id && !x.deleted);
    if (!c) throw httpError(404, 'Can not find a comment for the id');
    return c;
  }

  function delivery(event: 'comment_created' | 'comment_updated' | 'comment_deleted', c: FakeJiraComment, secret: string): Delivery | null {
    const issue = ctx.state.issues.get(c.issueId);
    if (!issue) return null;
    const body = JSON.stringify({ timestamp: Date.now(), webhookEvent: event, comment: json(c), issue: ctx.issueJson(issue) });
    return {
      headers: {
        'content-type': 'application/json',
        'x-atlassian-webhook-identifier': String(Date.now()) + Math.floor(Math.random() * 1e6),
        'x-hub-signature': `sha256=${hmacHex(secret, body)}`,
      },
      body,
    };
  }
  const announce = (event: 'comment_created' | 'comment_updated' | 'comment_deleted', c: FakeJiraComment) =>
    ctx.webhooks().announce((secret) => delivery(event, c, secret));

  function create(issue: FakeIssue, body: AdfLike, authorId: string): FakeJiraComment {
    const at = ctx.state.now();
    const c: FakeJiraComment = { id: String(nextId++), issueId: issue.id, body, authorId, created: at, updated: at, deleted: false };
    comments.push(c);
    announce('comment_created', c);
    return c;
  }
  function edit(c: FakeJiraComment, body: AdfLike): FakeJiraComment {
    c.body = body;
    c.updated = ctx.state.now();
    announce('comment_updated', c);
    return c;
  }
  function remove(c: FakeJiraComment): void {
    c.deleted = true;
    announce('comment_deleted', c);
  }
  const guard = (handle: (req: FakeRequest) => FakeResponse) => (req: FakeRequest): FakeResponse => {
    try {
      return handle(req);
    } catch (err) {
      const errors = (err as { jiraErrors?: Record<string, string> }).jiraErrors;
      if (errors) return { status: 400, body: { errorMessages: [], errors } };
      throw err;
    }
  };
  const issueOf = (req: FakeRequest) => ctx.state.find(req.params['idOrKey']!);

  const routes: Route[] = [
    {
      name: 'comments.list', method: 'GET', path: '/rest/api/3/issue/:idOrKey/comment',
      handle: (req) => {
        const issue = issueOf(req);
        const startAt = Math.max(0, Number(req.query.get('startAt') ?? 0) || 0);
        const maxResults = Math.min(100, Math.max(1, Number(req.query.get('maxResults') ?? 50) || 50));
        const all = comments.filter((c) => c.issueId === issue.id && !c.deleted);
        if (req.query.get('orderBy') === '-created') all.reverse();
        return { status: 200, body: { startAt, maxResults, total: all.length, comments: all.slice(startAt, startAt + maxResults).map(json) } };
      },
    },
    { name: 'comments.create', method: 'POST', path: '/rest/api/3/issue/:idOrKey/comment', handle: guard((req) => ({ status: 201, body: json(create(issueOf(req), validBody(req), ctx.botAccount.accountId)) })) },
    { name: 'comments.get', method: 'GET', path: '/rest/api/3/issue/:idOrKey/comment/:id', handle: (req) => ({ status: 200, body: json(find(issueOf(req), req.params['id']!)) }) },
    {
      name: 'comments.update', method: 'PUT', path: '/rest/api/3/issue/:idOrKey/comment/:id',
      handle: guard((req) => {
        const c = find(issueOf(req), req.params['id']!);
        return { status: 200, body: json(edit(c, validBody(req))) };
      }),
    },
    {
      name: 'comments.delete', method: 'DELETE', path: '/rest/api/3/issue/:idOrKey/comment/:id',
      handle: (req) => {
        remove(find(issueOf(req), req.params['id']!));
        return { status: 204 };
      },
    },
  ];

  const paragraphDoc = (text: string): AdfLike => ({ type: 'doc', version: 1, content: text.split(/\n\n+/).map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })) });

  return {
    routes,
    all: comments,
    /** The live comments of an issue (id or key) in Jira's JSON form, oldest first. */
    of: (idOrKey: string) => {
      const issue = ctx.state.find(idOrKey);
      return comments.filter((c) => c.issueId === issue.id && !c.deleted).map(json);
    },
    /** Their bodies as plain text (paragraphs joined by blank lines). */
    textOf: (c: { body: unknown }) => ((c.body as AdfLike).content ?? []).map(textOf).join('\n\n'),
    /** A person comments in Jira's UI (announced). */
    byHand: (idOrKey: string, text: string, person = { accountId: '557058:person-bob', displayName: 'Bob Jones' }) => {
      people.set(person.accountId, person.displayName);
      return json(create(ctx.state.find(idOrKey), paragraphDoc(text), person.accountId));
    },
    editByHand: (idOrKey: string, id: string, text: string) => json(edit(find(ctx.state.find(idOrKey), id), paragraphDoc(text))),
    deleteByHand: (idOrKey: string, id: string) => remove(find(ctx.state.find(idOrKey), id)),
  };
}
