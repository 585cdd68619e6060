// Comment sync (issue 15 part 1): "bring the defect's comments and this connection's ticket's comments into
// agreement". One list read of the ticket's comments when the job comes from the tracker's side (webhook,
// poll, reconciler) or when a create's outcome is unknown (a crash after the call: the marker finds it);
// none for a change made in Defect Sync, which costs one write per comment.
//
// Every remote write is preceded by its CommentLink row (pending, createStartedAt) and followed by the remote
// id and digest, so a crash or a replayed webhook never makes a second remote comment: the unique
// (commentId, connection) means one mapping per comment and ticket, and (connection, remoteId) one per
// remote comment. Copies Defect Sync wrote carry a marker (connectors/comment-text.ts) and are never taken
// back in as new comments. Decisions (README, Comments): a deletion beats a concurrent edit; an edit of the
// same comment on both sides goes to the later one by time, recorded in SyncConflict; tracker author names
// are shown as the tracker gives them.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Comment, CommentLink } from '../generated/prisma/client.ts';
import type { Connector, OutboundComment, RemoteComment, TicketRef } from '../../connectors/contract.ts';
import { TRACKER_TITLES } from '../../connectors/comment-text.ts';
import { TrackerError } from '../../connectors/errors.ts';
import type { ConnectionName } from './connections.ts';
import type { SyncLocks } from './lock.ts';
import { failpoint } from '../failpoints.ts';
import { commentOutbox, COMMENT_MAX } from '../store/comments.ts';
import { cutToLength, replaceUnstorable } from '../domain/text-rules.ts';

export type CommentSyncDeps = {
  prisma: PrismaClient;
  connectors: ReadonlyMap<ConnectionName, Connector>;
  locks: SyncLocks;
  log: Logger;
  /** Where a person finds a defect: the link back in test evidence comments. */
  publicUrl?: string;
  /** Connections that take no test evidence comments (`evidenceComments: false`). */
  noEvidence?: ReadonlySet<ConnectionName>;
};

export type CommentSyncResult = { created: number; updated: number; deleted: number; pulled: number; skipped?: string };

/** The actor of comment changes pulled from a tracker. */
const actorFor = (connection: string) => `tracker:${connection}`;

export function digestOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n?/g, '\n').trim()).digest('base64url');
}

/** A tracker's comment text as a defect comment's body: the same text rules as API input. */
export function fitComment(text: string): string {
  const clean = replaceUnstorable(text).trim();
  return cutToLength(clean, COMMENT_MAX) || '(empty comment)';
}

type Row = Comment & { links: CommentLink[] };

/** A comment job met a ticket still being created: transient, so the job retries (error-policy.ts). */
export class TicketBeingCreated extends Error {
  constructor(connection: string) {
    super(`the ${connection} ticket is being created; its comments follow once it exists`);
  }
}

export class CommentSync {
  private readonly deps: CommentSyncDeps;
  constructor(deps: CommentSyncDeps) {
    this.deps = deps;
  }

  sync(connection: ConnectionName, defectId: string, opts: { list: boolean }): Promise<CommentSyncResult> {
    const connector = this.deps.connectors.get(connection);
    if (!connector) throw new Error(`connection ${connection} is not configured`);
    return this.deps.locks.withLock(defectId, `${connection}:comments`, () => this.syncLocked(connector, defectId, opts));
  }

  private async syncLocked(connector: Connector, defectId: string, opts: { list: boolean }): Promise<CommentSyncResult> {
    const { prisma } = this.deps;
    const result: CommentSyncResult = { created: 0, updated: 0, deleted: 0, pulled: 0 };
    const comments = connector.comments;
    if (!comments) return { ...result, skipped: 'the connector has no comments capability' };
    const connection = connector.connection;
    const link = await prisma.trackerLink.findUnique({ where: { defectId_connection: { defectId, connection } } });
    // The ticket's create is under way: its id is written with the create's final statement, whose look
    // for comments may have been taken before this comment was committed. Try again (the job's backoff)
    // rather than skip, or the comment would wait for the next one.
    if (link && !link.remoteId && link.syncState === 'pending' && link.createStartedAt) throw new TicketBeingCreated(connection);
    if (!link?.remoteId || link.syncState === 'missing') return { ...result, skipped: 'no ticket' };
    const ref: TicketRef = { remoteId: link.remoteId, key: link.key ?? link.remoteId, url: link.url ?? '' };

    let rows = await this.load(defectId);
    const unknownCreate = rows.some((c) => c.links.some((l) => l.connection === connection && !l.remoteId && l.createStartedAt));
    // An edit of a person's own comment (it came from this tracker) is written only after reading it: the
    // person may have edited it there too, and the later edit wins (a conflict, recorded).
    const theirsEdited = rows.some((c) => c.originConnection === connection && c.links.some((l) => l.connection === connection && l.remoteId && (l.syncedVersion ?? 0) < c.version));
    let remote: RemoteComment[] | null = null;
    if (opts.list || unknownCreate || theirsEdited) {
      remote = await comments.list(ref);
      await this.pull(connector, defectId, rows, remote, result);
      rows = await this.load(defectId);
    }
    const byMarker = new Map((remote ?? []).filter((r) => r.markerCommentId).map((r) => [r.markerCommentId!, r]));

    let retry: unknown = null;
    for (const c of rows) {
      try {
        await this.push(connector, ref, c, byMarker, result);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await prisma.commentLink.updateMany({ where: { commentId: c.id, connection }, data: { state: 'failed', lastError: message.slice(0, 2000), attempts: { increment: 1 } } });
        this.deps.log.warn({ err: message, connection, defectId, commentId: c.id }, 'comment sync failed');
        // A refusal stays on the link for a person (the reconciler tries again later); anything else retries the job.
        if (!(err instanceof TrackerError && err.kind === 'rejected')) retry ??= err;
      }
    }
    if (retry) throw retry;
    return result;
  }

  private load(defectId: string): Promise<Row[]> {
    return this.deps.prisma.comment.findMany({ where: { defectId }, include: { links: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** What people did in the tracker: new comments, edits and deletions of their comments there. */
  private async pull(connector: Connector, defectId: string, rows: Row[], remote: RemoteComment[], result: CommentSyncResult): Promise<void> {
    const { prisma } = this.deps;
    const connection = connector.connection;
    const mine = new Map<string, { c: Row; l: CommentLink }>();
    for (const c of rows) for (const l of c.links) if (l.connection === connection && l.remoteId) mine.set(l.remoteId, { c, l });
    const seen = new Set(remote.map((r) => r.remoteId));

    for (const r of remote) {
      if (r.markerCommentId || mine.has(r.remoteId)) continue;
      // A person's new comment: the defect comment and its link in one transaction (the unique remote id
      // makes a replay, or a second job racing this one, a no-op).
      try {
        await prisma.$transaction(async (tx) => {
          const c = await tx.comment.create({
            data: { defectId, body: fitComment(r.body), authorName: fitComment(r.authorName).slice(0, 200), originTracker: connector.kind, originConnection: connection, createdAt: r.createdAt, editedAt: r.updatedAt },
          });
          await tx.commentLink.create({ data: { commentId: c.id, connection, remoteId: r.remoteId, state: 'synced', digest: digestOf(r.body), syncedVersion: c.version } });
          await commentOutbox(tx, defectId, c.id, c.version, actorFor(connection), connection);
        });
        result.pulled++;
      } catch (err) {
        if ((err as { code?: string }).code !== 'P2002') throw err;
      }
    }

    for (const [remoteId, { c, l }] of mine) {
      if (l.remoteDeletedAt) continue;
      const r = remote.find((x) => x.remoteId === remoteId);
      const origin = c.originConnection === connection;
      if (!seen.has(remoteId)) {
        // Deleted in the tracker. The person's own comment: deleted here too (a deletion beats an edit), and
        // the relay deletes its copies. A copy of ours a person deleted: not written again.
        await prisma.$transaction(async (tx) => {
          await tx.commentLink.update({ where: { id: l.id }, data: { remoteDeletedAt: new Date(), state: 'synced' } });
          if (origin && !c.deletedAt) {
            const d = await tx.comment.update({ where: { id: c.id }, data: { deletedAt: new Date(), version: { increment: 1 } } });
            await tx.commentLink.update({ where: { id: l.id }, data: { syncedVersion: d.version } });
            await commentOutbox(tx, defectId, c.id, d.version, actorFor(connection), connection);
          }
        });
        if (origin) result.pulled++;
        continue;
      }
      if (!origin || !r || c.deletedAt || digestOf(r.body) === l.digest) continue;
      // The person edited their comment in the tracker.
      const localEdited = (l.syncedVersion ?? 0) < c.version;
      if (localEdited) {
        const remoteWins = r.updatedAt.getTime() > c.editedAt.getTime();
        await prisma.syncConflict.create({
          data: {
            defectId, connection, field: `comment:${c.id}`, defectValue: c.body, remoteValue: r.body,
            defectChangedAt: c.editedAt, remoteChangedAt: r.updatedAt, winner: remoteWins ? 'tracker' : 'defect',
          },
        });
        this.deps.log.info({ connection, defectId, commentId: c.id, winner: remoteWins ? 'tracker' : 'defect' }, 'comment conflict decided');
        if (!remoteWins) continue; // pushed below: the defect's body overwrites the tracker's
      }
      await prisma.$transaction(async (tx) => {
        const u = await tx.comment.update({ where: { id: c.id }, data: { body: fitComment(r.body), editedAt: r.updatedAt, version: { increment: 1 } } });
        await tx.commentLink.update({ where: { id: l.id }, data: { digest: digestOf(r.body), syncedVersion: u.version, state: 'synced', lastError: null } });
        await commentOutbox(tx, defectId, c.id, u.version, actorFor(connection), connection);
      });
      result.pulled++;
    }
  }

  /** Brings one defect comment's copy on this ticket up to date. */
  private async push(connector: Connector, ref: TicketRef, c: Row, byMarker: Map<string, RemoteComment>, result: CommentSyncResult): Promise<void> {
    const { prisma } = this.deps;
    const comments = connector.comments!;
    const connection = connector.connection;
    let l = c.links.find((x) => x.connection === connection);
    const origin = c.originConnection === connection;
    // Test evidence (part 3): not on a connection that opted out; with the link back to the defect.
    if (c.evidenceKey && this.deps.noEvidence?.has(connection)) return;
    const body = c.evidenceKey ? `${c.body}\n\n[The defect in Defect Sync](${this.deps.publicUrl ?? ''}/api/defects/${c.defectId})` : c.body;
    const outbound: OutboundComment = {
      commentId: c.id,
      body,
      authorName: c.authorName,
      writtenIn: c.originTracker ? TRACKER_TITLES[c.originTracker] : 'Defect Sync',
      ...(origin && { raw: true }),
    };

    if (c.deletedAt) {
      if (!l) return;
      let remoteId = l.remoteId;
      if (!remoteId && l.createStartedAt) remoteId = byMarker.get(c.id)?.remoteId ?? null;
      if (remoteId && !l.remoteDeletedAt) {
        await comments.delete(ref, remoteId);
        result.deleted++;
      }
      if (l.state !== 'synced' || !l.remoteDeletedAt || l.syncedVersion !== c.version) {
        await prisma.commentLink.update({ where: { id: l.id }, data: { remoteId, remoteDeletedAt: l.remoteDeletedAt ?? new Date(), state: 'synced', syncedVersion: c.version, lastError: null } });
      }
      return;
    }
    if (l?.remoteDeletedAt) return; // a person deleted our copy there: not written again

    if (!l) {
      if (origin) return;
      try {
        l = await prisma.commentLink.create({ data: { commentId: c.id, connection, state: 'pending', createStartedAt: new Date() } });
      } catch (err) {
        if ((err as { code?: string }).code !== 'P2002') throw err;
        return; // another job holds it (the lock makes this rare); its job finishes the work
      }
    } else if (!l.remoteId) {
      // The outcome of an earlier create is unknown (a crash, a timeout): the list read found it or not.
      const found = byMarker.get(c.id);
      if (found) {
        l = await prisma.commentLink.update({ where: { id: l.id }, data: { remoteId: found.remoteId, digest: digestOf(found.body), syncedVersion: 0, state: 'synced', lastError: null } });
      }
    }

    if (!l.remoteId) {
      await prisma.commentLink.update({ where: { id: l.id }, data: { createStartedAt: l.createStartedAt ?? new Date(), attempts: { increment: 1 } } });
      failpoint('comments.before-create');
      const made = await comments.create(ref, outbound);
      failpoint('comments.after-create');
      await prisma.commentLink.update({ where: { id: l.id }, data: { remoteId: made.remoteId, digest: digestOf(made.body), syncedVersion: c.version, state: 'synced', lastError: null } });
      result.created++;
      return;
    }
    if ((l.syncedVersion ?? 0) >= c.version && l.state === 'synced') return;
    if ((l.syncedVersion ?? 0) < c.version) {
      const made = await comments.update(ref, l.remoteId, outbound);
      result.updated++;
      await prisma.commentLink.update({ where: { id: l.id }, data: { digest: digestOf(made.body), syncedVersion: c.version, state: 'synced', lastError: null } });
    } else {
      await prisma.commentLink.update({ where: { id: l.id }, data: { state: 'synced', lastError: null } });
    }
  }
}
