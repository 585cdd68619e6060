// Storm incidents (issue 16 part 2): listing them, and releasing one, which raises the defects it held.
import type { TriageIncident } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db.ts';
import { formatDefectKey } from '../domain/defect-key.ts';
import type { TriageConfig } from '../domain/triage.ts';
import { notFound } from '../errors.ts';
import { inTransaction } from './defect-changes.ts';
import { raiseApproved, type TopSignature } from './triage-decide.ts';

export type IncidentFilter = { status?: 'open' | 'released' | undefined; project?: string | undefined; limit: number; cursor?: { at: Date; id: string } | undefined };

export class IncidentStore {
  private readonly prisma: PrismaClient;
  private readonly triage: TriageConfig;
  constructor(prisma: PrismaClient, triage: TriageConfig) {
    this.prisma = prisma;
    this.triage = triage;
  }

  /** Newest first; the cursor is the last one's creation time and id. */
  async list(f: IncidentFilter) {
    const rows = await this.prisma.triageIncident.findMany({
      where: {
        ...(f.status && { status: f.status }),
        ...(f.project && { project: f.project }),
        ...(f.cursor && { OR: [{ createdAt: { lt: f.cursor.at } }, { createdAt: f.cursor.at, id: { lt: f.cursor.id } }] }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: f.limit + 1,
    });
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return { data: await this.views(page), nextCursor: rows.length > f.limit && last ? `${last.createdAt.getTime()}.${last.id}` : null };
  }

  async get(id: string) {
    const row = await this.prisma.triageIncident.findUnique({ where: { id } });
    if (!row) throw notFound('incident', id);
    return (await this.views([row]))[0]!;
  }

  /**
   * Releases an open incident: what it held is raised now, and the launch raises defects again from here on.
   * Releasing a released incident finishes raising anything a crash left, and changes nothing else.
   */
  async release(id: string, actor: string) {
    const incident = await inTransaction(this.prisma, async (tx) => {
      const found = await tx.triageIncident.findUnique({ where: { id } });
      if (!found) throw notFound('incident', id);
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`triage-launch/${found.project}/${found.launch}`}, 0))`;
      const row = await tx.triageIncident.findUniqueOrThrow({ where: { id } });
      if (row.status === 'open') {
        await tx.triageIncident.update({ where: { id }, data: { status: 'released', releasedAt: new Date(), releasedBy: actor } });
        await tx.triageCandidate.updateMany({ where: { incidentId: id, state: 'held' }, data: { state: 'approved', decidedAt: new Date() } });
      }
      return row;
    });
    const raised = await raiseApproved(this.prisma, this.triage.projects[incident.project], incident.project, incident.launch, `; released from incident ${id} by ${actor}`);
    return { ...(await this.get(id)), raised };
  }

  private views(rows: TriageIncident[]) {
    return incidentViews(this.prisma, rows);
  }
}

/** Incidents as the API (and the triage.incident hook) shows them: counts, top signatures, the defects raised. */
export async function incidentViews(prisma: PrismaClient, rows: TriageIncident[]) {
  if (rows.length === 0) return [];
  const candidates = await prisma.triageCandidate.findMany({ where: { incidentId: { in: rows.map((r) => r.id) } }, select: { incidentId: true, state: true, defectId: true } });
  const defectIds = candidates.flatMap((c) => (c.defectId ? [c.defectId] : []));
  const numbers = new Map((await prisma.defect.findMany({ where: { id: { in: defectIds } }, select: { id: true, number: true } })).map((d) => [d.id, d.number]));
  return rows.map((r) => {
    const mine = candidates.filter((c) => c.incidentId === r.id);
    return {
      id: r.id,
      project: r.project,
      launch: r.launch,
      status: r.status,
      reason: r.reason,
      counts: { runs: r.runs, failed: r.failed, newSignatures: r.newSignatures, held: mine.filter((c) => c.state === 'held').length },
      topSignatures: r.topSignatures as TopSignature[],
      defects: mine.flatMap((c) => (c.defectId && numbers.has(c.defectId) ? [formatDefectKey(numbers.get(c.defectId)!)] : [])),
      createdAt: r.createdAt.toISOString(),
      releasedAt: r.releasedAt?.toISOString() ?? null,
      releasedBy: r.releasedBy,
    };
  });
}
