// When each field last changed in Asana, from the task's stories (oldest first, 100 a page): the time a
// conflict is decided by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsanaConnector } from '../../../connectors/asana/connector.ts';
import { createAsanaFake } from '../../../fakes/asana/server.ts';
import { asanaMappingSchema } from '../../../connectors/asana/mapping.ts';
import { People } from '../../../connectors/people.ts';
import type { Connector, TicketRef } from '../../../connectors/contract.ts';

const TOKEN = 'asana-field-times-token';
let clock = Date.parse('2026-11-20T08:00:00.000Z');
const fake = createAsanaFake({ token: TOKEN, now: () => clock });
let asana: Connector;

beforeAll(async () => {
  await fake.tracker.start();
  asana = createAsanaConnector({
    settings: { token: TOKEN, workspaceGid: fake.workspaceGid, projectGid: fake.project.gid, apiUrl: fake.apiUrl },
    mapping: asanaMappingSchema.parse({ severityField: fake.severityField() }),
    people: new People([]),
  });
});
afterAll(() => fake.tracker.stop());

/** Edits the task a minute after the last edit; returns the time of this one. */
function editLater(gid: string, patch: Parameters<typeof fake.editTask>[1]): Date {
  clock += 60_000;
  fake.editTask(gid, patch);
  return new Date(clock);
}

async function timesOf(gid: string) {
  const ref: TicketRef = { remoteId: gid, key: gid, url: '' };
  return asana.fieldTimes(ref, ['title', 'severity', 'description'], await asana.read(ref));
}

describe('Asana field times', () => {
  it('reads a busy task’s stories to the newest: 1,100 stories, the last rename being number 1,050', async () => {
    const task = fake.addTask({ name: 'busy' });
    editLater(task.gid, { name: 'renamed early' }); // story 1: an older rename, on the first page
    for (let i = 2; i < 1050; i++) editLater(task.gid, { notes: `note ${i}` });
    const renamedAt = editLater(task.gid, { name: 'renamed last' }); // story 1,050
    for (let i = 1051; i <= 1100; i++) editLater(task.gid, { notes: `note ${i}` });
    expect(fake.state.tasks.get(task.gid)!.stories).toHaveLength(1100);

    const times = await timesOf(task.gid);
    expect(times.title).toEqual(renamedAt);
    expect(times.description).toEqual(new Date(clock));
  });

  it('takes the updated time for every field when a task has more stories than it reads (5,000)', async () => {
    const task = fake.addTask({ name: 'huge' });
    editLater(task.gid, { name: 'renamed once' });
    const stored = fake.state.tasks.get(task.gid)!;
    // A long history, stored directly (5,000 edits one by one would only be slower).
    for (let i = 1; i <= 5000; i++) stored.stories!.push({ gid: fake.state.gid(), created_at: new Date(clock + i).toISOString(), resource_subtype: 'comment_added', text: 'a comment' });
    stored.modified_at = new Date(clock + 5000).toISOString(); // comments touch the task too
    const times = await timesOf(task.gid);
    expect(times.title).toEqual(new Date(stored.modified_at));
  });

  it('takes only the severity field’s changes for severity, not another enum field’s', async () => {
    const stage = fake.addEnumField('Stage', ['Triage', 'Doing']);
    const task = fake.addTask({ name: 'staged' });
    const severityAt = editLater(task.gid, { severityOption: fake.severityField().options.critical });
    editLater(task.gid, { customFields: { [stage.gid]: stage.options['Doing']! } });
    const times = await timesOf(task.gid);
    expect(times.severity).toEqual(severityAt);
  });
});
