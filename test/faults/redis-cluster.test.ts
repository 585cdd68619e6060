// The service (`node src/main.ts all` in a child process) on a real Redis Cluster of three masters that
// this file starts and removes, with REDIS_CLUSTER_NODES and a hash-tag QUEUE_PREFIX: changes reach the
// trackers through outbox → queue → worker, a tracker's webhook is applied, the admin status and the
// dashboard's session store work. Then the master holding the deployment's slot is SIGKILLed under load
// and started again (same nodes file: same node id and slots, no data): every defect still gets its
// ticket in each tracker and ends in step, since what Redis lost is found again from PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefect } from '../helpers/fixtures.ts';
import { ANA, BOB, type Trackers } from '../../fakes/index.ts';
import { until } from '../helpers/service.ts';
import { cli, privateCluster } from '../helpers/redis-cluster.ts';
import { notJsonLines, readiness, serviceProcess } from '../helpers/service-process.ts';
import { processWithTrackers, type TrackedProcess } from '../helpers/tracked-service.ts';
import { untilInStep } from '../helpers/sides.ts';
import { linksOf } from '../helpers/links.ts';
import { deleteRedisPrefix } from '../../src/outbox/queues.ts';
import { queuePrefix, redisUrl, unique } from '../helpers/context.ts';

const ADMIN = 'admin-token-for-the-cluster-test';
const bearer = { authorization: `Bearer ${ADMIN}` };
// One hash tag for the whole deployment: every queue's keys (and sessions, counters) in one slot.
const PREFIX = `{${unique(`${queuePrefix}-cluster`)}}`;

let cluster: Awaited<ReturnType<typeof privateCluster>>;
let t: Trackers;
let svc: TrackedProcess['svc'];
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  cluster = await privateCluster();
  ({ t, svc, stop } = await processWithTrackers({ env: { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: PREFIX, ADMIN_TOKEN: ADMIN }, sendWebhooks: true }));
}, 90_000);
// The service first, while its Redis is still there to close against; then the cluster and its files.
afterAll(async () => {
  await stop?.();
  await cluster?.stop();
});

const create = (title: string): Promise<{ id: string; key: string }> => createDefect(svc.http, { title, assignee: ANA.email });

const wanted = (title: string, assignee = ANA.email) => ({ title, severity: 'medium', done: false, assignee });
const ticketOf = async (key: string, tracker: string) => (await linksOf(svc.http, key)).find((l) => l.tracker === tracker)!.remoteId!;

describe('on a Redis Cluster of three masters', () => {
  it('starts with every connection on the cluster and reports Redis ready', async () => {
    expect(await readiness(svc.url)).toEqual({ status: 200, failing: [] });
    // The queues live under the hash-tag prefix, all on the one master that serves its slot.
    await until('the queues\' keys', async () => (await cluster.keys(`${PREFIX}*`)).length > 0);
    const owner = await cluster.masterOf(PREFIX);
    for (const m of cluster.masters.filter((m) => m !== owner)) expect((await cli(m.port, '--scan', '--pattern', `${PREFIX}*`)).trim(), String(m.port)).toBe('');
  });

  it('creates tickets through outbox → queue → worker, and updates them', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, (_, i) => create(`On the cluster ${i}`)));
    for (const [i, d] of made.entries()) await untilInStep(svc.http, t, d.key, wanted(`On the cluster ${i}`), 30_000);
    const edited = made[0]!;
    expect((await svc.http.patch(`/api/defects/${edited.key}`).send({ title: 'Edited on the cluster' })).status).toBe(200);
    await untilInStep(svc.http, t, edited.key, wanted('Edited on the cluster'), 20_000);
    for (const d of made) expect(Object.values(t.ticketsFor(d.id)).map((list) => list.length), d.key).toEqual([1, 1, 1]);
  });

  it('applies a tracker\'s webhook to the defect and the other trackers', async () => {
    const d = await create('Reassigned in GitHub');
    await untilInStep(svc.http, t, d.key, wanted('Reassigned in GitHub'), 30_000);
    t.github.editByHand(Number(await ticketOf(d.key, 'github')), { assignees: [BOB.github] });
    await t.webhooksSettled();
    await untilInStep(svc.http, t, d.key, wanted('Reassigned in GitHub', BOB.email), 20_000);
  });

  it('serves /admin/sync-status with its queue and webhook figures, and keeps dashboard sessions', async () => {
    const res = await svc.http.get('/admin/sync-status').set(bearer);
    expect(res.status, res.text).toBe(200);
    const github = (res.body.connections as { connection: string; queue: Record<string, number> | null; webhooks24h: { accepted: number } | null }[]).find((c) => c.connection === 'github')!;
    // Both come from Redis: null would mean the cluster read failed.
    expect(github.queue).toMatchObject({ waiting: expect.any(Number), failed: expect.any(Number) });
    expect(github.webhooks24h!.accepted).toBeGreaterThan(0);

    const own = { origin: svc.url };
    const signIn = await svc.http.post('/admin/session').set(own).send({ token: ADMIN });
    expect(signIn.status, signIn.text).toBe(200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect((await svc.http.get('/admin/sync-status').set('cookie', cookie)).status).toBe(200);
    expect(await cluster.keys(`${PREFIX}:admin:session:*`)).toHaveLength(1);
    expect((await svc.http.delete('/admin/session').set(own).set('cookie', cookie)).status).toBe(204);
    expect((await svc.http.get('/admin/sync-status').set('cookie', cookie)).status).toBe(401);
  });

  it('loses no change when the master holding the queues is killed under load and started again', async () => {
    const owner = await cluster.masterOf(PREFIX);
    const before = await Promise.all(Array.from({ length: 4 }, (_, i) => create(`Before the kill ${i}`)));
    const made: { id: string; key: string; title: string }[] = before.map((d, i) => ({ ...d, title: `Before the kill ${i}` }));
    let loading = true;
    let refused = 0;
    // Defects and edits keep coming through the API for the whole time (it answers from PostgreSQL).
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const title = `Around the kill ${i}`;
        const res = await svc.http.post('/api/defects').send({ title, assignee: ANA.email });
        if (res.status === 201) made.push({ ...res.body, title });
        else refused++;
        const edit = made[i % before.length]!;
        const edited = `Edited around the kill ${edit.key}`;
        if ((await svc.http.patch(`/api/defects/${edit.key}`).send({ title: edited })).status === 200) edit.title = edited;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    // Down for longer than the cluster's node timeout (2 s): the cluster goes to cluster_state:fail too.
    await cluster.kill(owner);
    await new Promise((r) => setTimeout(r, 4000));
    await cluster.start(owner);
    await cluster.healthy();
    await until('/readyz to report Redis up', async () => (await readiness(svc.url)).status === 200, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    loading = false;
    await load;
    expect(svc.alive()).toBe(true);
    expect(refused).toBe(0);
    expect(made.length).toBeGreaterThan(before.length + 5);

    // Jobs the master forgot are found again from PostgreSQL by the reconciler (changes behind their links,
    // first jobs of defects without a link), so this can take its 30 s staleness window.
    for (const d of made) await untilInStep(svc.http, t, d.key, wanted(d.title), 60_000);
    for (const d of made) expect(Object.values(t.ticketsFor(d.id)).map((list) => list.length), d.key).toEqual([1, 1, 1]);
    // The queues are back on the restarted master, which still serves the slot.
    expect(await cluster.masterOf(PREFIX)).toBe(owner);
    // Connection trouble goes to the JSON log, never as raw stack traces on stderr.
    expect(notJsonLines(svc.output).slice(0, 5)).toEqual([]);
  }, 150_000);

  it('stops cleanly on SIGTERM, closing its cluster connections', async () => {
    expect(await svc.kill('SIGTERM')).toBe(0);
  });

  it('clears a throwaway prefix from every master (deleteRedisPrefix, as the tests and the demo do)', async () => {
    expect((await cluster.keys(`${PREFIX}*`)).length).toBeGreaterThan(0);
    await deleteRedisPrefix({ redisUrl, redisClusterNodes: cluster.masters.map((m) => ({ host: '127.0.0.1', port: m.port })) }, PREFIX);
    expect(await cluster.keys(`${PREFIX}*`)).toEqual([]);
  });

  it('refuses to start on the cluster with a QUEUE_PREFIX that is not a hash tag, naming the rule', async () => {
    const refused = serviceProcess('all', { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: unique(queuePrefix) });
    expect(await refused.exited).toBe(2);
    expect(refused.output.join('\n')).toMatch(/QUEUE_PREFIX: must be one hash tag such as \{dstest-[^}]+\} while REDIS_CLUSTER_NODES is set/);
  });
});
