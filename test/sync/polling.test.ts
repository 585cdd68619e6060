// Polling on its schedule (SYNC_POLL_MS): what a tracker's webhooks miss is picked up by the next poll,
// and a webhook the tracker deactivated is registered again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, type Trackers } from '../../fakes/index.ts';
import { type Service, until } from '../helpers/service.ts';
import { startWithTrackers } from '../helpers/tracked-service.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';
import { buildWebhookRegistrars } from '../../src/sync/connectors.ts';
import { ensureWebhook } from '../../src/inbound/register-webhooks.ts';
import { createLogger } from '../../src/logger.ts';

let t: Trackers;
let svc: Service;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ t, svc, stop } = await startWithTrackers({ env: { SYNC_POLL_MS: '1000' }, debounceMs: 100, listen: true }));
});
afterAll(() => stop?.());

describe('scheduled polling', () => {
  it('heals an Asana event that was never delivered, and a webhook Asana deactivated is registered again', async () => {
    const created = await svc.http.post('/api/defects').send({ title: 'Report export hangs', assignee: ANA.email });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const links = await settledLinks(svc.http, key, 0);

    t.asana.webhookFaults.dropNext = 1; // Asana delivers at most once: this one is lost
    t.asana.editTask(remoteIdOf(links, 'asana'), { completed: true });
    await until('resolved after a scheduled poll', async () => {
      const l = await linksOf(svc.http, key);
      return (await svc.http.get(`/api/defects/${key}`)).body.status === 'resolved' && (t.github.issue(Number(remoteIdOf(l, 'github'))) as { state: string }).state === 'closed';
    }, 10_000);
    const cursor = await svc.prisma.pollCursor.findUnique({ where: { connection: 'asana' } });
    expect(cursor?.lastPollAt).toBeTruthy();
    expect(cursor?.lastError).toBeNull();

    const [first] = t.asana.webhooks();
    first!.active = false; // deliveries kept failing: Asana switched it off
    await until('a new active webhook', () => t.asana.webhooks().some((w) => w.active && w.gid !== first!.gid), 10_000);
    expect(t.asana.webhooks().filter((w) => w.active)).toHaveLength(1);
  });

  it('keeps watching a Jira issue moved to another project: a status change there reaches the defect', async () => {
    const created = await svc.http.post('/api/defects').send({ title: 'Moved to the ops board', assignee: ANA.email });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const links = await settledLinks(svc.http, key, 0);
    const jiraId = remoteIdOf(links, 'jira');
    // The poll's project filter must not cover OPS: the fake applies it as Jira would.
    const newKey = t.jira.moveIssue(jiraId, 'OPS');
    t.jira.setStatus(jiraId, 'Done');
    await until('resolved after a scheduled poll', async () => (await svc.http.get(`/api/defects/${key}`)).body.status === 'resolved', 10_000);
    // The defect's own change then syncs the link again: it settles with the issue's new key.
    await until('the Jira link synced under the new key', async () => {
      const jira = (await linksOf(svc.http, key)).find((x) => x.tracker === 'jira');
      return jira?.key === newKey && jira.syncState === 'synced';
    });
  });

  it('registers one webhook when several processes check at once', async () => {
    for (const w of t.asana.webhooks()) w.active = false;
    const registrar = (await buildWebhookRegistrars(svc.connections, 5000))[0]!;
    const log = createLogger('silent');
    const results = await Promise.all([1, 2, 3].map(() => ensureWebhook(registrar, svc.registrations, svc.config.publicUrl, log)));
    expect(results.filter((r) => r?.outcome === 'created')).toHaveLength(1);
    await until('one active webhook', () => t.asana.webhooks().filter((w) => w.active).length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // a scheduled poll checks it too, and keeps it
    expect(t.asana.webhooks().filter((w) => w.active)).toHaveLength(1);
  });
});
