// Defect comments (issue 15 part 1). Every write runs in one transaction with an outbox row
// ('defect.commented'), so the relay queues a `comments` job on each linked connection. Comments pulled from a
// tracker go through writeInbound with origin set: the relay skips the connection the comment came from.
import type { Comment } from '../generated/prisma/client.ts';
import type { PrismaClient, Tx } from '../db.ts';
import { AppError, notFound } from '../errors.ts';
import { findDefect, lockDefect } from './find.ts';
import { appendOutbox } from './outbox.ts';
import { isUuid } from '../domain/defect-key.ts';
import type { TrackerKind } from '../../connectors/contract.ts';

export const COMMENT_MAX = 65_536;

export type CommentView = {
  id: string;
  defectId: string;
  body: string;
  author: { name: string; tracker: TrackerKind | null; connection: string | null };
  createdAt: string;
  updatedAt: string;
  version: number;
};

export function commentView(c: Comment): CommentView {
  return {
    id: c.id,
    defectId: c.defectId,
    body: c.body,
    author: { name: c.authorName, tracker: c.originTracker, connection: c.originConnection },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    version: c.version,
  };
}

/** The outbox row of a comment change: the relay turns it into a `comments` job per linked connection. */
export async function commentOutbox(tx: Tx, defectId: string, commentId: string, version: number, actor: string, origin?: string): Promise<void> {
  await appendOutbox(tx, defectId, 'defect.commented', { version, fields: ['comments'], actor, commentId, ...(origin && { origin }) });
}

/** Page cursor: the last comment's createdAt and id (oldest first, ties by id). */
function encodeCursor(c: Comment): string {
  return Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');
}
function decodeCursor(s: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) {
    throw new AppError('validation_failed', 'cursor: must be a cursor returned as nextCursor', { fields: [{ field: 'cursor', message: 'must be a cursor returned as nextCursor' }] });
  }
  return { createdAt, id };
}

export class CommentStore {
  private readonly prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async list(idOrKey: string, page: { limit: number; cursor?: string }): Promise<{ data: CommentView[]; nextCursor: string | null }> {
    const defect = await findDefect(this.prisma, idOrKey);
    const after = page.cursor ? decodeCursor(page.cursor) : null;
    const rows = await this.prisma.comment.findMany({
      where: {
        defectId: defect.id,
        deletedAt: null,
        ...(after && { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: page.limit + 1,
    });
    const more = rows.length > page.limit;
    const items = rows.slice(0, page.limit);
    return { data: items.map(commentView), nextCursor: more ? encodeCursor(items[items.length - 1]!) : null };
  }

  async create(idOrKey: string, input: { body: string; author: string }, actor: string): Promise<CommentView> {
    const c = await this.prisma.$transaction(async (tx) => {
      const defect = await lockDefect(tx, idOrKey);
      const c = await tx.comment.create({ data: { defectId: defect.id, body: input.body, authorName: input.author } });
      await commentOutbox(tx, defect.id, c.id, c.version, actor);
      return c;
    });
    return commentView(c);
  }

  async update(idOrKey: string, commentId: string, body: string, actor: string): Promise<CommentView> {
    const c = await this.prisma.$transaction(async (tx) => {
      const defect = await lockDefect(tx, idOrKey);
      const current = await this.find(tx, defect.id, commentId);
      if (current.body === body) return current;
      const c = await tx.comment.update({ where: { id: current.id }, data: { body, version: { increment: 1 }, editedAt: new Date() } });
      await commentOutbox(tx, defect.id, c.id, c.version, actor);
      return c;
    });
    return commentView(c);
  }

  async delete(idOrKey: string, commentId: string, actor: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const defect = await lockDefect(tx, idOrKey);
      const current = await this.find(tx, defect.id, commentId);
      const c = await tx.comment.update({ where: { id: current.id }, data: { deletedAt: new Date(), version: { increment: 1 } } });
      await commentOutbox(tx, defect.id, c.id, c.version, actor);
    });
  }

  private async find(tx: Tx, defectId: string, commentId: string): Promise<Comment> {
    const c = isUuid(commentId) ? await tx.comment.findUnique({ where: { id: commentId.toLowerCase() } }) : null;
    if (!c || c.defectId !== defectId || c.deletedAt) throw notFound('comment', commentId);
    return c;
  }
}
