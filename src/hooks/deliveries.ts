// Delivering the hooks' outbox: a dispatcher claims due HookDelivery rows (a lease, SKIP LOCKED, so any
// number of worker processes share them) and queues one BullMQ job per attempt; the job renders the body
// once (the defect or run as the API shows it, fixed for every retry), signs it with the hook's secrets and
// posts it. The row, not the job, is the truth: a job lost with Redis or a crashed worker leaves the row
// pending, and the lease's end hands it out again (at least once; the same webhook-id every time).
import { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../redis.ts';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import { caseRunView, defectView } from '../store/views.ts';
import { incidentViews } from '../store/incidents.ts';
import { signatureHeader } from './signing.ts';
import { postHook } from './send.ts';
import { HOOK_TIMEOUT_MS, outcomeOf, retryDelayMs, type AttemptResult, type HookSettings } from './policy.ts';

export const HOOKS_QUEUE = 'hooks';
/** A claimed delivery is handed out again after this long without an outcome (a worker died, Redis lost the job). */
const LEASE_MS = 60_000;
const BATCH = 100;

type Claimed = { id: string; attempts: number };

/** The queue goes on the process's producer connection, the worker on the workers' one (src/outbox/wiring.ts). */
export type HookDeliveryDeps = { prisma: PrismaClient; producer: RedisClient; workers: RedisClient; prefix: string; log: Logger; settings: HookSettings; dispatchMs?: number; concurrency?: number };

export function startHookDeliveries(deps: HookDeliveryDeps): () => Promise<void> {
  const { prisma, prefix, log } = deps;
  const queue = new Queue<{ deliveryId: string }>(HOOKS_QUEUE, { connection: deps.producer, prefix, defaultJobOptions: { attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 } });
  queue.on('error', (err) => log.warn({ err: err.message }, 'hooks queue: Redis unavailable'));
  const worker = new Worker<{ deliveryId: string }>(HOOKS_QUEUE, (job) => attempt(deps, job.data.deliveryId), { connection: deps.workers, prefix, concurrency: deps.concurrency ?? 8 });
  worker.on('error', (err) => log.warn({ err: err.message }, 'hooks worker: Redis unavailable'));
  worker.on('failed', (job, err) => log.error({ err, deliveryId: job?.data.deliveryId }, 'hook delivery attempt failed unexpectedly; the lease hands it out again'));
  let running: Promise<void> | undefined;
  const dispatch = async () => {
    if (running) return;
    running = (async () => {
      try {
        for (;;) {
          const due = await prisma.$queryRaw<Claimed[]>`
            UPDATE "HookDelivery" d SET "nextAttemptAt" = now() + make_interval(secs => ${LEASE_MS / 1000}::float8)
            WHERE d.id IN (SELECT id FROM "HookDelivery" WHERE status = 'pending' AND "nextAttemptAt" <= now()
                           ORDER BY "nextAttemptAt" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
            RETURNING d.id, d.attempts`;
          if (due.length === 0) return;
          // One job id per attempt: a claim repeated after a lost acknowledgement adds nothing twice.
          await queue.addBulk(due.map((d) => ({ name: 'deliver', data: { deliveryId: d.id }, opts: { jobId: `${d.id}-${d.attempts}` } })));
          if (due.length < BATCH) return;
        }
      } catch (err) {
        log.warn({ err }, 'hook dispatch failed; the next pass retries');
      } finally {
        running = undefined;
      }
    })();
    await running;
  };
  const timer = setInterval(() => void dispatch(), deps.dispatchMs ?? 500);
  void dispatch();
  return async () => {
    clearInterval(timer);
    await running;
    await worker.close();
    await queue.close();
  };
}

/** One attempt at one delivery; every outcome is written to its row (and to its hook's failing streak). */
export async function attempt(deps: Pick<HookDeliveryDeps, 'prisma' | 'log' | 'settings'>, deliveryId: string): Promise<void> {
  const { prisma, settings } = deps;
  const d = await prisma.hookDelivery.findUnique({ where: { id: deliveryId }, include: { hook: true } });
  if (!d || d.status !== 'pending') return;
  if (!d.hook.enabled) {
    await prisma.hookDelivery.update({ where: { id: d.id }, data: { status: 'failed', responseExcerpt: `not sent: the hook is disabled${d.hook.disabledReason ? ` (${d.hook.disabledReason})` : ''}` } });
    return;
  }
  const body = d.body ?? (await render(prisma, d));
  if (!d.body) await prisma.hookDelivery.update({ where: { id: d.id }, data: { body } });
  const now = new Date();
  const secrets = [d.hook.secret, ...(d.hook.previousSecret && d.hook.previousUntil && d.hook.previousUntil > now ? [d.hook.previousSecret] : [])];
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers = { 'webhook-id': d.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, d.id, timestamp, body) };
  const result: AttemptResult = await postHook(d.hook.url, headers, body, { allowPrivate: settings.allowPrivate, timeoutMs: HOOK_TIMEOUT_MS });
  const outcome = outcomeOf(result);
  const attempts = d.attempts + 1;
  const answer = { lastAttemptAt: now, attempts, responseStatus: 'status' in result ? result.status : null, responseExcerpt: result.excerpt };
  if (outcome === 'delivered') {
    await prisma.$transaction([
      prisma.hookDelivery.update({ where: { id: d.id }, data: { ...answer, status: 'delivered' } }),
      prisma.hook.update({ where: { id: d.hookId }, data: { failingSince: null } }),
    ]);
    return;
  }
  const windowOver = now.getTime() - d.createdAt.getTime() >= settings.failureWindowMs;
  const retry = outcome === 'retry' && !windowOver;
  await prisma.hookDelivery.update({
    where: { id: d.id },
    data: { ...answer, status: retry ? 'pending' : 'failed', nextAttemptAt: new Date(now.getTime() + (retry ? retryDelayMs(attempts, settings.retryBaseMs) : 0)) },
  });
  // The hook's failing streak: begun at its first failure, ended by any success; the whole window of
  // failures disables it, and what it still had to send is given up (a person re-enables and redelivers).
  const [hook] = await prisma.$queryRaw<{ failingSince: Date }[]>`
    UPDATE "Hook" SET "failingSince" = coalesce("failingSince", ${now}) WHERE id = ${d.hookId}::uuid RETURNING "failingSince"`;
  if (hook && now.getTime() - hook.failingSince.getTime() >= settings.failureWindowMs) {
    const reason = `every delivery failed since ${hook.failingSince.toISOString()}; last: ${'status' in result ? `HTTP ${result.status}` : result.error} ${result.excerpt}`.slice(0, 500);
    await prisma.$transaction([
      prisma.hook.update({ where: { id: d.hookId }, data: { enabled: false, disabledReason: reason } }),
      prisma.hookDelivery.updateMany({ where: { hookId: d.hookId, status: 'pending' }, data: { status: 'failed', responseExcerpt: 'not sent: the hook was disabled' } }),
    ]);
    deps.log.warn({ hookId: d.hookId, reason }, 'hook disabled after failing for its whole failure window');
  }
}

/** The body: the Standard Webhooks convention {type, timestamp, data}, data the subject as the API shows it. */
async function render(prisma: PrismaClient, d: { id: string; type: string; subjectId: string; change: unknown; createdAt: Date }): Promise<string> {
  let data: Record<string, unknown>;
  if (d.type.startsWith('case_run.')) {
    const run = await prisma.caseRun.findUnique({ where: { id: d.subjectId } });
    data = run ? { ...caseRunView(run) } : { id: d.subjectId };
  } else if (d.type.startsWith('defect.') || d.type.startsWith('sync.')) {
    const defect = await prisma.defect.findUnique({ where: { id: d.subjectId } });
    data = defect ? { ...defectView(defect) } : { id: d.subjectId };
  } else if (d.type.startsWith('triage.')) {
    const incident = await prisma.triageIncident.findUnique({ where: { id: d.subjectId } });
    data = incident ? { ...(await incidentViews(prisma, [incident]))[0] } : { id: d.subjectId };
  } else {
    data = { id: d.subjectId };
  }
  return JSON.stringify({ type: d.type, timestamp: d.createdAt.toISOString(), data: { ...data, change: d.change ?? {} } });
}
