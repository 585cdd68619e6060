// The poll's cursor never moves past a change it did not read: whatever order a tracker lists in, and
// however its pages shift while they are read, two passes record every change made since the cursor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db.ts';
import type { Inbox } from '../../src/inbound/inbox.ts';
import { pollTracker } from '../../src/inbound/poll.ts';
import { createLogger } from '../../src/logger.ts';
import type { Connector, TrackerKind } from '../../connectors/contract.ts';
import { People } from '../../connectors/people.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import { asanaMappingSchema } from '../../connectors/asana/mapping.ts';
import { createAsanaFake } from '../../fakes/asana/server.ts';
import { createJiraFake } from '../../fakes/jira/server.ts';
import { connectorFor as jiraConnector } from '../connectors/jira/helpers.ts';
import { createGithubFake } from '../../fakes/github/server.ts';
import { connector as githubConnector } from '../connectors/github/helpers.ts';
import { databaseUrl } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
const log = createLogger('silent');
afterAll(() => prisma.$disconnect());

/**
 * Stands in for the inbox and keeps the tickets of every notice a pass hands it: which of them concern a
 * linked defect is the inbox's business, what the poll reads and where it leaves its cursor is this file's.
 */
function capturingInbox(): { inbox: Inbox; seen: Set<string>; deliveries: string[] } {
  const seen = new Set<string>();
  const deliveries: string[] = [];
  const inbox = {
    async record(_tracker: TrackerKind, notices: readonly { deliveryId: string; remoteIds: readonly string[] }[]) {
      for (const n of notices) for (const id of n.remoteIds) seen.add(id);
      deliveries.push(...notices.map((n) => n.deliveryId));
      return { accepted: notices.length, duplicates: 0, ignored: 0, rows: [] };
    },
    async dispatch() {
      return 0;
    },
  };
  return { inbox: inbox as unknown as Inbox, seen, deliveries };
}

/** Sets the tracker's cursor, as an earlier pass would have left it. */
async function setCursor(tracker: TrackerKind, cursor: Date): Promise<void> {
  await prisma.pollCursor.upsert({ where: { connection: tracker }, create: { connection: tracker, cursor }, update: { cursor, lastError: null } });
}

describe('Asana: a project is listed in its own order, not by modified time', () => {
  const TOKEN = 'asana-poll-cursor-token';
  let clock = Date.now() - 60 * 60_000;
  const fake = createAsanaFake({ token: TOKEN, now: () => clock });
  let asana: Connector;
  beforeAll(async () => {
    await fake.tracker.start();
    asana = createAsanaConnector({
      settings: { token: TOKEN, workspaceGid: fake.workspaceGid, projectGid: fake.project.gid, apiUrl: fake.apiUrl },
      mapping: asanaMappingSchema.parse({}),
      people: new People([]),
    });
  });
  afterAll(() => fake.tracker.stop());

  it('records all 600 tasks modified since the cursor in two passes, the newest being on the first page', async () => {
    const tasks = Array.from({ length: 600 }, (_, i) => fake.addTask({ name: `bulk ${i}` }));
    const cursor = new Date(clock + 1000);
    // A bulk edit (say, a reassignment) from the bottom of the list up, a second apart: the tasks on the
    // first pages were modified last.
    for (const task of tasks.toReversed()) {
      clock += 1000;
      fake.editTask(task.gid, { name: `${task.name} (reassigned)` });
    }
    // A person also drags the very last one edited to the top.
    fake.moveTaskToTop(tasks[0]!.gid);
    await setCursor('asana', cursor);
    const { inbox, seen } = capturingInbox();

    await pollTracker(prisma, asana, inbox, log);
    await pollTracker(prisma, asana, inbox, log);

    expect(tasks.filter((t) => !seen.has(t.gid)).map((t) => t.name)).toEqual([]);
    const stored = await prisma.pollCursor.findUniqueOrThrow({ where: { connection: 'asana' } });
    expect(stored.cursor.getTime()).toBe(Date.parse(String(fake.task(tasks[0]!.gid)!['modified_at'])));
  });
});

describe('a bulk edit larger than one pass, all within the overlap', () => {
  const fake = createJiraFake();
  let jira: Connector;
  beforeAll(async () => {
    await fake.tracker.start();
    jira = jiraConnector(fake.tracker.baseUrl);
  });
  afterAll(() => fake.tracker.stop());

  it('moves on from the cursor when a pass holds only changes the overlap re-read: 600 Jira issues changed in one second, two passes', async () => {
    await setCursor('jira', new Date(Date.now() - 30_000));
    const issues = Array.from({ length: 600 }, (_, i) => fake.state.createIssue({ project: { key: 'QA' }, issuetype: { name: 'Bug' }, summary: `bulk ${i}` }));
    const { inbox, seen } = capturingInbox();

    await pollTracker(prisma, jira, inbox, log);
    await pollTracker(prisma, jira, inbox, log);

    expect(issues.filter((i) => !seen.has(i.id)).length).toBe(0);
  });
});

describe('GitHub: pages that shift while they are read', () => {
  let clock = Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000;
  const fake = createGithubFake({ repository: 'acme/app', now: () => clock });
  let github: Connector;
  beforeAll(async () => {
    await fake.tracker.start();
    github = githubConnector({ apiUrl: fake.tracker.baseUrl, token: fake.token });
  });
  afterAll(() => fake.tracker.stop());

  it('skips no issue when one from page 1 is updated before page 2 is read', async () => {
    const cursor = new Date(clock);
    const numbers: number[] = [];
    // Ten seconds apart, so the poll's two-minute overlap cannot hide a skipped one.
    for (let i = 0; i < 150; i++) {
      clock += 10_000;
      numbers.push(fake.createByHand({ title: `issue ${i}` })['number'] as number);
    }
    await setCursor('github', cursor);
    const { inbox, seen } = capturingInbox();
    let listings = 0;
    fake.tracker.beforeHandle = (route) => {
      // Someone edits the fifth issue between the first listing request and the second: it moves to the end.
      if (route !== 'ticket.find' || ++listings !== 2) return;
      clock += 10_000;
      fake.editByHand(numbers[4]!, { title: 'edited while the poll pages' });
    };
    try {
      await pollTracker(prisma, github, inbox, log);
      await pollTracker(prisma, github, inbox, log);
    } finally {
      fake.tracker.beforeHandle = undefined;
    }
    expect(listings).toBeGreaterThanOrEqual(2);
    expect(numbers.filter((n) => !seen.has(String(n)))).toEqual([]);
  });

  it('tells apart two changes of one issue within one second (GitHub times are whole seconds): the second is a new notice', async () => {
    clock += 60_000;
    await setCursor('github', new Date(clock - 1000));
    const number = fake.createByHand({ title: 'written by the service' })['number'] as number;
    const { inbox, deliveries } = capturingInbox();
    await pollTracker(prisma, github, inbox, log);
    const first = deliveries.filter((d) => d.includes(`-${number}-`));
    expect(first).toHaveLength(1);

    // A person edits it in that same second, and the webhook is lost: the listing shows the same updated_at.
    fake.editByHand(number, { title: 'edited by a person in the same second' });
    await pollTracker(prisma, github, inbox, log);
    const after = deliveries.filter((d) => d.includes(`-${number}-`));
    expect(new Set(after).size).toBe(2);

    // A third pass with nothing new lists it again under the second notice: recorded once by the inbox.
    await pollTracker(prisma, github, inbox, log);
    expect(new Set(deliveries.filter((d) => d.includes(`-${number}-`))).size).toBe(2);
  });

  it('pages on by number through more than a page of issues updated in one same second', async () => {
    clock += 60_000;
    const from = new Date(clock);
    const numbers = Array.from({ length: 250 }, (_, i) => fake.createByHand({ title: `same second ${i}` })['number'] as number);
    const changed = await github.changedSince(from, 500);
    expect(changed.map((c) => Number(c.remoteId))).toEqual(numbers);
  });
});
