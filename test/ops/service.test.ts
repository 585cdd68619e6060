// The operations routes in the real entry point: `node src/main.ts api` wires Redis for /readyz and
// the queue gauges, answers them, and still stops cleanly on SIGTERM (its Redis connection closed).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueName } from '../../src/outbox/queues.ts';
import { databaseUrl, queuePrefix, redisUrl, unique } from '../helpers/context.ts';
import { createPrisma } from '../../src/db.ts';
import { markEarlierChangesHandled } from '../helpers/service.ts';

// Earlier files' live links name their own fakes under the same connection names: to this file's process
// they are gone (see markEarlierChangesHandled), or its start would refuse the new targets.
beforeAll(async () => {
  const prisma = createPrisma(databaseUrl);
  await markEarlierChangesHandled(prisma);
  await prisma.$disconnect();
});

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const prefix = unique(`${queuePrefix}-ops`);

function startApi() {
  const child = spawn(process.execPath, [MAIN, 'api'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      LOG_LEVEL: 'info',
      // GitHub on (the API role makes no call to it): its queue is counted.
      GITHUB_TOKEN: 'ghp_not-a-real-token',
      GITHUB_REPOSITORY: 'acme/shop',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  afterAll(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  const lines: string[] = [];
  const port = new Promise<number>((resolve) =>
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const entry = JSON.parse(line) as { msg: string; port?: number };
      if (entry.msg === 'API listening') resolve(entry.port!);
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, exited, lines };
}

describe('node src/main.ts api', () => {
  it('answers /readyz and /metrics with the queue gauge, and exits 0 on SIGTERM', async () => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const github = new Queue(queueName('github'), { connection, prefix });
    try {
      await github.add('sync', { n: 1 }, { delay: 60_000 });
      const api = startApi();
      const base = `http://127.0.0.1:${await api.port}`;

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { database: { ok: true }, redis: { ok: true } } });

      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('defect_sync_queue_jobs{connection="github",tracker="github",state="delayed"} 1');
      expect(metrics).toContain('defect_sync_outbox_unpublished_events ');

      const res = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'ops-service-test-1' } });
      expect(res.headers.get('x-request-id')).toBe('ops-service-test-1');

      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      const log = api.lines.map((l) => JSON.parse(l) as { msg: string; req?: { id: string } });
      expect(log.find((l) => l.req?.id === 'ops-service-test-1')).toBeDefined();
      expect(api.lines.join('\n')).not.toContain('ghp_not-a-real-token');
    } finally {
      await github.obliterate({ force: true });
      await github.close();
      connection.disconnect();
    }
  });
});
