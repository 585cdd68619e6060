// Comments end to end (issue 15 part 1) with all three fakes: a comment made in Defect Sync, GitHub, Jira or
// Asana reaches the other places attributed; edits and deletions follow; a replayed webhook makes no
// duplicate; an edit of one comment on two sides is decided by time and listed at /admin/conflicts.
import { distinctMessage } from '../helpers/context.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks, type Link } from '../helpers/links.ts';
import { patchDefect, recordRun } from '../helpers/fixtures.ts';
import { randomUUID } from 'node:crypto';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';
import { CommentSync } from '../../src/sync/comment-sync.ts';

const ADMIN = 'admin-token-for-comment-tests';
let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ sendWebhooks: true, env: { ADMIN_TOKEN: ADMIN }, debounceMs: 100 }));
});
afterAll(() => stop?.());
afterEach(async () => {
  t.github.webhooks.copies = 1;
  await t.webhooksSettled();
});

type C = { id: string; body: string; author: { name: string; tracker: string | null } };
const gh = (l: Link[]) => t.github.comments.of(Number(remoteIdOf(l, 'github'))) as { id: number; body: string; user: { login: string } }[];
const jira = (l: Link[]) => t.jira.comments.of(remoteIdOf(l, 'jira')).map((c) => ({ ...c, text: t.jira.comments.textOf(c as { body: unknown }) })) as { id: string; text: string }[];
const asana = (l: Link[]) => t.asana.comments.of(remoteIdOf(l, 'asana')) as { gid: string; text: string }[];
const commentsOf = async (key: string): Promise<C[]> => (await svc.http.get(`/api/defects/${key}/comments`)).body.data;
const pollAsana = () => pollTracker(svc.prisma, svc.connectors.get('asana')!, svc.inbox, createLogger('silent'));

async function linkedDefect(title: string) {
  const res = await svc.http.post('/api/defects').send({ title });
  expect(res.status).toBe(201);
  const links = await settledLinks(svc.http, res.body.key, 0);
  await t.webhooksSettled();
  return { key: res.body.key as string, id: res.body.id as string, links };
}

describe('comments cross to every linked ticket', () => {
  it('a Defect Sync comment reaches GitHub, Jira and Asana attributed and marked; its edit and deletion follow', async () => {
    const d = await linkedDefect('Comments from Defect Sync');
    const c = (await svc.http.post(`/api/defects/${d.key}/comments`).set('X-Actor', 'Ana').send({ body: 'Which browser did you use?' })).body as C;
    await until('copies in all three', () => gh(d.links).length === 1 && jira(d.links).length === 1 && asana(d.links).length === 1);
    expect(gh(d.links)[0]!.body).toBe(`**Ana** wrote in Defect Sync:\n\nWhich browser did you use?\n\n<!-- defect-sync-comment-${c.id} -->`);
    expect(jira(d.links)[0]!.text).toBe(`Ana wrote in Defect Sync:\n\nWhich browser did you use?\n\ndefect-sync-comment-${c.id}`);
    expect(asana(d.links)[0]!.text).toBe(`Ana wrote in Defect Sync:\n\nWhich browser did you use?\n\ndefect-sync-comment-${c.id}`);

    await svc.http.patch(`/api/defects/${d.key}/comments/${c.id}`).send({ body: 'Which browser and version?' }).expect(200);
    await until('the edit in all three', () => gh(d.links)[0]?.body.includes('Which browser and version?') && jira(d.links)[0]?.text.includes('Which browser and version?') && asana(d.links)[0]?.text.includes('Which browser and version?'));
    await t.webhooksSettled();
    // Our own comments announced back by the trackers' webhooks are not taken in as new ones.
    await new Promise((r) => setTimeout(r, 800));
    expect(await commentsOf(d.key)).toHaveLength(1);
    expect(gh(d.links)).toHaveLength(1);

    await svc.http.delete(`/api/defects/${d.key}/comments/${c.id}`).expect(204);
    await until('deleted everywhere', () => gh(d.links).length === 0 && jira(d.links).length === 0 && asana(d.links).length === 0);
    // One create, one update and one delete per tracker.
    const calls = (fake: { tracker: { calls: { route: string }[] } }, route: string) => fake.tracker.calls.filter((x) => x.route === route).length;
    expect(calls(t.github, 'comments.create')).toBeGreaterThanOrEqual(1);
  });

  it('a comment made while the ticket is being created reaches the ticket once it exists', async () => {
    // The comment's own job runs while GitHub is still answering the create: it finds no ticket, so the
    // create's job must copy it when the create returns.
    // Its job must not skip the ticket being created either: the create's look for comments may predate
    // the comment (it is in the create's final statement), so the job tries again instead (TicketBeingCreated).
    const original = CommentSync.prototype.sync;
    // Each pass's outcome by defect (other tests' jobs may still be running).
    const outcomes: { defectId: string; outcome: string }[] = [];
    const passes = vi.spyOn(CommentSync.prototype, 'sync').mockImplementation(function (this: CommentSync, ...args) {
      const pass = original.apply(this, args);
      const seen = (outcome: string) => outcomes.push({ defectId: args[1], outcome: `${args[0]}: ${outcome}` });
      pass.then((r) => seen(r.skipped ?? 'done'), (err: Error) => seen(err.constructor.name));
      return pass;
    });
    try {
      t.github.tracker.slow('ticket.create', 1500);
      const res = await svc.http.post('/api/defects').send({ title: 'Commented during its create' });
      expect(res.status).toBe(201);
      // The link row is written just before the create call, which GitHub holds for 1.5 s.
      await until('the GitHub create under way', async () => (await linksOf(svc.http, res.body.key)).some((l) => l.tracker === 'github' && !l.remoteId));
      const c = (await svc.http.post(`/api/defects/${res.body.key}/comments`).set('X-Actor', 'Ana').send({ body: 'Seen on Firefox too' })).body as C;
      const links = await settledLinks(svc.http, res.body.key, 0);
      await until('the comment on every ticket', () => gh(links).length === 1 && jira(links).length === 1 && asana(links).length === 1);
      expect(gh(links)[0]!.body).toContain(`defect-sync-comment-${c.id}`);
      const ours = outcomes.filter((o) => o.defectId === res.body.id).map((o) => o.outcome);
      expect(ours).toContain('github: TicketBeingCreated');
      expect(ours).not.toContain('github: no ticket');
      await t.webhooksSettled();
    } finally {
      passes.mockRestore();
    }
  });

  it('a new ticket of a defect without comments costs no comment pass', async () => {
    const passes = vi.spyOn(CommentSync.prototype, 'sync');
    try {
      const d = await linkedDefect('No comments at all');
      await svc.http.patch(`/api/defects/${d.key}`).send({ title: 'No comments at all, edited' }).expect(200);
      await until('the edit in GitHub', () => (t.github.issue(Number(remoteIdOf(d.links, 'github'))) as { title: string }).title === 'No comments at all, edited');
      expect(passes.mock.calls.filter(([, defectId]) => defectId === d.id)).toEqual([]);
      // With a comment, the pass runs for each ticket (its own job), and the comment crosses.
      await svc.http.post(`/api/defects/${d.key}/comments`).send({ body: 'Now one' }).expect(201);
      await until('the comment on every ticket', () => gh(d.links).length === 1 && jira(d.links).length === 1 && asana(d.links).length === 1);
      expect(new Set(passes.mock.calls.filter(([, defectId]) => defectId === d.id).map(([connection]) => connection))).toEqual(new Set(['github', 'jira', 'asana']));
    } finally {
      passes.mockRestore();
    }
  });

  it("a person's GitHub comment becomes a defect comment and reaches Jira and Asana; its edit and deletion follow", async () => {
    const d = await linkedDefect('Comments from GitHub');
    const n = Number(remoteIdOf(d.links, 'github'));
    const made = t.github.comments.byHand(n, 'Reproduced on Firefox 128', 'octo-dev') as { id: number };
    const list = await until('the defect has it', async () => {
      const l = await commentsOf(d.key);
      return l.length === 1 && l;
    });
    expect(list[0]).toMatchObject({ body: 'Reproduced on Firefox 128', author: { name: 'octo-dev', tracker: 'github', connection: 'github' } });
    await until('copies in Jira and Asana', () => jira(d.links).length === 1 && asana(d.links).length === 1);
    expect(jira(d.links)[0]!.text).toContain('octo-dev wrote in GitHub:\n\nReproduced on Firefox 128');
    expect(asana(d.links)[0]!.text).toContain('octo-dev wrote in GitHub:');
    expect(gh(d.links)).toHaveLength(1); // never an echo back to where it came from

    t.github.comments.editByHand(made.id, 'Reproduced on Firefox 128 and 129');
    await until('the edit reaches the defect and the copies', async () =>
      (await commentsOf(d.key))[0]?.body === 'Reproduced on Firefox 128 and 129' && jira(d.links)[0]?.text.includes('and 129') && asana(d.links)[0]?.text.includes('and 129'));

    t.github.comments.deleteByHand(made.id);
    await until('the deletion follows', async () => (await commentsOf(d.key)).length === 0 && jira(d.links).length === 0 && asana(d.links).length === 0);
  });

  it("a person's Jira comment reaches GitHub and Asana, attributed to the name Jira shows", async () => {
    const d = await linkedDefect('Comments from Jira');
    t.jira.comments.byHand(remoteIdOf(d.links, 'jira'), 'Fixed in build 42?');
    await until('copies in GitHub and Asana', () => gh(d.links).length === 1 && asana(d.links).length === 1);
    expect(gh(d.links)[0]!.body).toMatch(/^\*\*Bob Jones\*\* wrote in Jira:\n\nFixed in build 42\?\n\n<!-- defect-sync-comment-[0-9a-f-]{36} -->$/);
    const [c] = await commentsOf(d.key);
    expect(c).toMatchObject({ body: 'Fixed in build 42?', author: { name: 'Bob Jones', tracker: 'jira' } });
    expect(jira(d.links)).toHaveLength(1);
  });

  it("a person's Asana comment arrives by polling (Asana's webhooks are at most once) and reaches GitHub and Jira", async () => {
    const d = await linkedDefect('Comments from Asana');
    t.asana.comments.byHand(remoteIdOf(d.links, 'asana'), 'Product says: ship without it');
    await pollAsana();
    await until('copies in GitHub and Jira', () => gh(d.links).length === 1 && jira(d.links).length === 1);
    expect(gh(d.links)[0]!.body).toContain('**Carol Asana** wrote in Asana:');
    expect((await commentsOf(d.key))[0]).toMatchObject({ author: { name: 'Carol Asana', tracker: 'asana' } });
    expect(asana(d.links)).toHaveLength(1);
  });

  it('a replayed comment webhook (same delivery, and the same body under a new id) makes no duplicate', async () => {
    const d = await linkedDefect('Comments replayed');
    t.github.webhooks.copies = 3; // GitHub retrying a delivery whose answer it lost
    t.github.comments.byHand(Number(remoteIdOf(d.links, 'github')), 'Only once please');
    await until('copies', () => jira(d.links).length === 1 && asana(d.links).length === 1);
    await t.webhooksSettled();
    const sent = t.github.webhooks.sent.filter((s) => s.delivery.headers['x-github-event'] === 'issue_comment').at(-1)!;
    expect(await t.github.webhooks.replay(sent.delivery)).toBeLessThan(300);
    await t.github.webhooks.replay({ ...sent.delivery, headers: { ...sent.delivery.headers, 'x-github-delivery': 'another-id-for-the-same-body' } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await commentsOf(d.key)).toHaveLength(1);
    expect(jira(d.links)).toHaveLength(1);
    expect(asana(d.links)).toHaveLength(1);
    expect(await svc.prisma.commentLink.count({ where: { comment: { defectId: d.id } } })).toBe(3);
  });

  it('an edit of the same comment in Jira and then in Defect Sync goes to the later one and is listed at /admin/conflicts', async () => {
    const d = await linkedDefect('Comments in conflict');
    const jiraKey = remoteIdOf(d.links, 'jira');
    const made = t.jira.comments.byHand(jiraKey, 'Version A') as { id: string };
    const [c] = await until('pulled', async () => {
      const l = await commentsOf(d.key);
      return l.length === 1 && l;
    });
    await until('copies', () => gh(d.links).length === 1);
    await t.webhooksSettled();
    // Jira's edit first, its webhook lost; then the edit in Defect Sync, later: the job reads Jira's comment
    // before writing it, finds both changed, and the later (Defect Sync's) wins, written back to Jira.
    t.jira.webhooks.dropNext = 1;
    t.jira.comments.editByHand(jiraKey, made.id, 'Version from Jira');
    await new Promise((r) => setTimeout(r, 20));
    await svc.http.patch(`/api/defects/${d.key}/comments/${c!.id}`).send({ body: 'Version from Defect Sync' }).expect(200);
    await until('Defect Sync wins everywhere', () =>
      jira(d.links)[0]?.text === 'Version from Defect Sync' && gh(d.links)[0]?.body.includes('Version from Defect Sync') && asana(d.links)[0]?.text.includes('Version from Defect Sync'));
    expect((await commentsOf(d.key))[0]!.body).toBe('Version from Defect Sync');
    const conflicts = await svc.http.get('/admin/conflicts').set('Authorization', `Bearer ${ADMIN}`);
    expect(conflicts.status).toBe(200);
    const mine = (conflicts.body.data as { defectId: string; field: string; winner: string }[]).filter((x) => x.defectId === d.id);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine[0]).toMatchObject({ field: `comment:${c!.id}`, winner: 'defect', defectValue: 'Version from Defect Sync', remoteValue: 'Version from Jira' });
  });

  it('test evidence: a reopen by a failing run puts one comment on each ticket (one per launch), a verifying pass one more', async () => {
    const testCase = `evidence › ${randomUUID().slice(0, 8)}`;
    const run = await recordRun(svc.http, { testCase, status: 'failed', message: distinctMessage('expected 200\ngot 500'), launch: 'nightly-41' });
    const made = await svc.http.post(`/api/case-runs/${run.id}/defect`).expect(201);
    const d = { key: made.body.key as string, links: await settledLinks(svc.http, made.body.key, 0) };
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await recordRun(svc.http, { testCase, status: 'failed', message: distinctMessage('TypeError: x is undefined\n  at y'), launch: 'nightly-42' });
    await until('evidence on all three tickets', () => gh(d.links).length === 1 && jira(d.links).length === 1 && asana(d.links).length === 1);
    const body = gh(d.links)[0]!.body;
    expect(body).toContain('**Defect Sync verification** wrote in Defect Sync:');
    expect(body).toContain(`Reopened: \`${testCase}\` failed again in launch \`nightly-42\``);
    expect(body).toContain('> TypeError: x is undefined');
    expect(body).not.toContain('at y');
    expect(body).toMatch(/\[The defect in Defect Sync\]\(http.*\/api\/defects\/[0-9a-f-]{36}\)/);
    expect(jira(d.links)[0]!.text).toContain('nightly-42');
    // The same launch reopening it again adds nothing.
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await recordRun(svc.http, { testCase, status: 'failed', message: distinctMessage('again'), launch: 'nightly-42' });
    expect((await svc.http.get(`/api/defects/${d.key}`)).body.status).toBe('reopened');
    // A pass closes it once resolved: one comment listing the verifying runs.
    await patchDefect(svc.http, d.key, { status: 'resolved' });
    await recordRun(svc.http, { testCase, status: 'passed', launch: 'nightly-43' });
    expect((await svc.http.get(`/api/defects/${d.key}`)).body.status).toBe('closed');
    await until('the close comment', () => gh(d.links).length === 2 && jira(d.links).length === 2 && asana(d.links).length === 2);
    expect(gh(d.links)[1]!.body).toContain(`Verified and closed`);
    expect(gh(d.links)[1]!.body).toContain(`- \`${testCase}\` passed in launch \`nightly-43\``);
    await new Promise((r) => setTimeout(r, 500));
    expect(gh(d.links)).toHaveLength(2);
    expect(await svc.prisma.comment.count({ where: { defect: { number: Number(d.key.slice(4)) }, evidenceKey: { not: null } } })).toBe(2);
  });
});
