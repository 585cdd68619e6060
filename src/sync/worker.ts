// One BullMQ worker per connection's queue. A job is "bring this defect up to date in this connection"; the
// engine does the work and records every attempt on the link; this file only turns the engine's
// decision into what BullMQ should do with the job.
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.ts';
import type { ConnectionName } from './connections.ts';
import { COMMENTS_IN_JOB, COMMENTS_JOB, dedupeKeyOf, queueName, startChangeJob, type SyncJobData } from '../outbox/queues.ts';
import type { CommentSync } from './comment-sync.ts';
import { SyncFailure, type SyncEngine } from './engine.ts';
import { decide } from './error-policy.ts';

export type WorkerSettings = {
  engine: SyncEngine;
  /** Comment jobs (issue 15); absent, they are acknowledged and do nothing. */
  comments?: CommentSync;
  /** The scheduled 'poll' job: asks the tracker what changed and feeds it through the inbox. */
  poll: (connection: ConnectionName) => Promise<unknown>;
  connection: ConnectionOptions;
  prefix: string;
  connections: readonly ConnectionName[];
  concurrency: number;
  /** Jobs per second per connection, across all worker processes (BullMQ's queue-wide limiter). */
  jobsPerSecond: number;
  log: Logger;
};

export function startSyncWorkers(s: WorkerSettings): () => Promise<void> {
  const workers = s.connections.map((connection) => {
    const worker: Worker<SyncJobData> = new Worker<SyncJobData>(
      queueName(connection),
      (job) => process(worker, connection, job),
      {
        connection: s.connection,
        prefix: s.prefix,
        concurrency: s.concurrency,
        // Besides pacing us, the limiter is what makes rateLimit() below hold every worker of the
        // queue: BullMQ only checks the pause it sets when a limiter is configured.
        limiter: { max: s.jobsPerSecond, duration: 1000 },
        // A job whose worker died is picked up again once its lock lapses (lockDuration, checked
        // every stalledInterval); a few stalls are tolerated because the engine's marker search
        // makes a repeated create safe. The lock is renewed every lockDuration/2 while a job runs.
        lockDuration: 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 5,
      },
    );
    worker.on('error', (err) => s.log.error({ err, connection }, 'sync worker error'));
    return worker;
  });

  async function process(worker: Worker<SyncJobData>, connection: ConnectionName, job: Job<SyncJobData>): Promise<unknown> {
    if (job.name === 'poll') return s.poll(connection);
    // A backfill job holds no change's place (no deduplication key, no first-change time: see
    // backfillJobOptions); forgetting them here would cut short the wait of a change job still queued.
    if (job.name !== 'backfill') {
      // From here on, a new change of this defect queues a new job: this one may already have read the defect.
      // That job's maximum wait counts from its own first change (forgotten first: a change in between is
      // then folded into this job, and only shortens the next one's wait).
      await startChangeJob(worker, job, dedupeKeyOf(job.name, job.data.defectId));
    }
    if (job.name === COMMENTS_JOB || job.name === COMMENTS_IN_JOB) {
      return s.comments ? commentJob(s.comments, worker, connection, job) : 'skipped';
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      const likelyNew = job.name === 'defect.created' || job.name === 'backfill';
      const { outcome, copyComments } = await s.engine.syncTicket(connection, job.data.defectId, finalAttempt, likelyNew);
      // A ticket just made (or found again) gets the defect's comments at once.
      if (copyComments && s.comments) {
        await s.comments.sync(connection, job.data.defectId, { list: outcome === 'adopted' }).catch((err: unknown) => s.log.warn({ err, connection }, 'comments of a new ticket: the reconciler retries'));
      }
      s.log.debug({ connection, defectId: job.data.defectId, outcome, job: job.id }, 'sync done');
      return outcome;
    } catch (err) {
      if (!(err instanceof SyncFailure)) throw err;
      const d = err.decision;
      switch (d.action) {
        case 'wait':
          // The connection's whole queue pauses: the limit is on its credentials, not on this one ticket.
          await worker.rateLimit(d.waitMs);
          throw Worker.RateLimitError();
        case 'retry':
          throw err;
        case 'fail':
          throw new UnrecoverableError(d.message);
        case 'stop':
          return 'missing';
      }
    }
  }

  async function commentJob(comments: CommentSync, worker: Worker<SyncJobData>, connection: ConnectionName, job: Job<SyncJobData>): Promise<unknown> {
    try {
      return await comments.sync(connection, job.data.defectId, { list: job.name === COMMENTS_IN_JOB });
    } catch (err) {
      const d = decide(err, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
      if (d.action === 'wait') {
        await worker.rateLimit(d.waitMs);
        throw Worker.RateLimitError();
      }
      if (d.action === 'fail') throw new UnrecoverableError(d.message);
      if (d.action === 'stop') return 'missing';
      throw err;
    }
  }

  return async () => {
    await Promise.all(workers.map((w) => w.close()));
  };
}
