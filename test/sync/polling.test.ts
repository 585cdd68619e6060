// Polling on its schedule (SYNC_POLL_MS): what a tracker's webhooks miss is picked up by the next poll,
// and a webhook the tracker deactivated is registered again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, startTrackers, type Trackers } from '../../fakes/index.ts';
import { startService, until } from '../helpers/service.ts';
import { linksOf, remoteIdOf, settledLinks } from '../helpers/links.ts';

let t: Trackers;
let svc: Awaited<ReturnType<typeof startService>>;

beforeAll(async () => {
  t = await startTrackers();
  svc = await startService({ env: { ...t.env, SYNC_POLL_MS: '1000' }, debounceMs: 100, listen: true });
});
afterAll(async () => {
  await svc.stop();
  await t.stop();
});

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
    const cursor = await svc.prisma.pollCursor.findUnique({ where: { tracker: 'asana' } });
    expect(cursor?.lastPollAt).toBeTruthy();
    expect(cursor?.lastError).toBeNull();

    const [first] = t.asana.webhooks();
    first!.active = false; // deliveries kept failing: Asana switched it off
    await until('a new active webhook', () => t.asana.webhooks().some((w) => w.active && w.gid !== first!.gid), 10_000);
    expect(t.asana.webhooks().filter((w) => w.active)).toHaveLength(1);
  });
});
