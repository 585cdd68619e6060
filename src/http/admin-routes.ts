// The admin API (bearer ADMIN_TOKEN). Without ADMIN_TOKEN the admin routes answer 503 saying so: an
// open admin surface is never the fallback.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../db.ts';
import { AppError } from '../errors.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import { TRACKER_KINDS } from '../../connectors/contract.ts';
import { tokenMatches } from './auth.ts';
import { parseInput } from './errors.ts';

export function requireAdmin(adminToken: string | undefined): RequestHandler {
  const tokens = adminToken ? [createHash('sha256').update(adminToken, 'utf8').digest()] : [];
  return (req, res, next) => {
    if (tokens.length === 0) {
      return next(new AppError('admin_disabled', 'the admin API is off: set ADMIN_TOKEN (16+ characters) on the service to use it'));
    }
    const m = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    if (m && tokenMatches(m[1]!, tokens)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="defect-sync-admin"');
    return next(new AppError('unauthorized', m ? 'the admin token is not valid' : 'send Authorization: Bearer <ADMIN_TOKEN>'));
  };
}

const MAX_BIGINT = 2n ** 63n - 1n;

const Page = z.strictObject({
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, 'must be a cursor returned as nextCursor')
    .transform((v) => BigInt(v))
    // Ids are Postgres bigints: a larger number was never a cursor (and would fail the query).
    .refine((v) => v <= MAX_BIGINT, 'must be a cursor returned as nextCursor')
    .optional(),
  tracker: z.enum(TRACKER_KINDS, `must be one of ${TRACKER_KINDS.join(', ')}`).optional(),
});

export function adminRoutes(prisma: PrismaClient): Router {
  const r = Router();

  /** Conflicts decided by two-way sync, newest first: both values, both times, the winner. */
  r.get('/conflicts', async (req, res) => {
    const { limit, cursor, tracker } = parseInput(Page, req.query, 'query');
    const rows = await prisma.syncConflict.findMany({
      where: { ...(tracker && { tracker }), ...(cursor !== undefined && { id: { lt: cursor } }) },
      orderBy: { id: 'desc' },
      take: limit + 1,
      include: { defect: { select: { number: true } } },
    });
    const page = rows.slice(0, limit);
    res.json({
      data: page.map((c) => ({
        id: String(c.id),
        defect: formatDefectKey(c.defect.number),
        defectId: c.defectId,
        tracker: c.tracker,
        field: c.field,
        defectValue: c.defectValue,
        remoteValue: c.remoteValue,
        defectChangedAt: c.defectChangedAt?.toISOString() ?? null,
        remoteChangedAt: c.remoteChangedAt?.toISOString() ?? null,
        winner: c.winner,
        decidedAt: c.decidedAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
    });
  });

  return r;
}
