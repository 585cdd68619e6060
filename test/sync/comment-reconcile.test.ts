// The reconciler retries a stuck comment link with a backoff that doubles per attempt, and leaves one that
// failed COMMENT_ATTEMPTS_CAP times to a person: a comment a tracker keeps refusing costs no call per pass.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrisma } from '../../src/db.ts';
import { COMMENT_ATTEMPTS_CAP, staleCommentLinks } from '../../src/sync/reconcile.ts';
import { databaseUrl } from '../helpers/context.ts';

const prisma = createPrisma(databaseUrl);
const BASE = -3_000_000; // defect numbers of this file's rows, below any other file's
afterAll(async () => {
  await prisma.$executeRaw`DELETE FROM "Defect" WHERE number <= ${BASE} AND number > ${BASE - 10}`;
  await prisma.$disconnect();
});

describe('stale comment links', () => {
  it('are retried with a doubling backoff and not after the cap', async () => {
    const cases = [
      { name: 'fresh failure, an hour old', attempts: 0, ago: '1 hour', due: true },
      { name: 'three attempts, an hour old (backoff 240 s)', attempts: 3, ago: '1 hour', due: true },
      { name: 'six attempts, ten minutes old (backoff 1,920 s)', attempts: 6, ago: '10 minutes', due: false },
      { name: 'at the cap, a day old', attempts: COMMENT_ATTEMPTS_CAP, ago: '1 day', due: false },
      { name: 'one below the cap, a day old', attempts: COMMENT_ATTEMPTS_CAP - 1, ago: '1 day', due: true },
      { name: 'fresh failure, ten seconds old', attempts: 0, ago: '10 seconds', due: false },
    ];
    const connection = `cr-${randomUUID().slice(0, 8)}`;
    const defects: string[] = [];
    for (const [i, c] of cases.entries()) {
      const id = randomUUID();
      defects.push(id);
      await prisma.$transaction([
        prisma.$executeRaw`SELECT set_config('defect_sync.given_updated_at', 'on', true)`,
        prisma.$executeRaw`INSERT INTO "Defect" (id, number, title, version, "updatedAt") VALUES (${id}::uuid, ${BASE - i}, ${c.name}, 1, now())`,
        prisma.$executeRaw`INSERT INTO "Comment" (id, "defectId", body, "authorName", "updatedAt") VALUES (${id}::uuid, ${id}::uuid, 'x', 'Ana', now())`,
        prisma.$executeRaw`INSERT INTO "CommentLink" (id, "commentId", connection, state, attempts, "updatedAt")
          VALUES (gen_random_uuid(), ${id}::uuid, ${connection}, 'failed', ${c.attempts}, now() - ${c.ago}::interval)`,
      ]);
    }
    const due = new Set((await staleCommentLinks(prisma, [connection], 30)).map((r) => r.defectId));
    expect(cases.filter((_, i) => due.has(defects[i]!)).map((c) => c.name)).toEqual(cases.filter((c) => c.due).map((c) => c.name));
  });
});
