// Applies what a ticket changed to its defect, through the one write path every change takes
// (lifecycle check, version, field stamps, history with actor tracker:<connection>, outbox), so the other
// trackers follow through the ordinary outbound path and the change is not queued back to its origin.
import type { Defect } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db.ts';
import type { TicketFields } from '../../connectors/contract.ts';
import { inboundStatusPath, type DefectStatus } from '../domain/lifecycle.ts';
import type { DefectPatch } from '../domain/defect-fields.ts';
import { applyDefectChange, inTransaction } from '../store/defect-changes.ts';
import { lockDefect } from '../store/find.ts';
import { fitText, fitsNothing } from '../domain/text-rules.ts';

/** The history's actor for a change a connection brought in (tracker:<connection name>). */
export const trackerActor = (connection: string): string => `tracker:${connection}`;

/** The defect changed between the sync's read and its write: the sync starts over with fresh values. */
export class DefectMovedOn extends Error {
  constructor() {
    super('the defect changed while its ticket was being read; syncing again');
    this.name = 'DefectMovedOn';
  }
}

export type InboundOutcome = {
  defect: Defect;
  applied: string[];
  /** A status move the lifecycle does not allow (e.g. closed → resolved): not applied. */
  rejectedStatus: { from: DefectStatus; to: DefectStatus } | null;
};

export async function applyInbound(
  prisma: PrismaClient,
  defectId: string,
  readVersion: number,
  connection: string,
  pull: Partial<TicketFields>,
  changedAt: Readonly<Record<string, Date>>,
): Promise<InboundOutcome> {
  return inTransaction(prisma, async (tx) => {
    let current = await lockDefect(tx, defectId);
    if (current.version !== readVersion) throw new DefectMovedOn();
    const patch: DefectPatch = { ...pull };
    const ctx = { actor: trackerActor(connection), origin: connection, changedAt };
    // The connectors' reads are fitted already (inbound-text.ts); fitting again is a no-op that keeps
    // the store safe from any caller that pulled without them. An empty title is not a change to make.
    for (const field of ['title', 'description'] as const) {
      const value = pull[field];
      if (value === undefined) continue;
      const fitted = fitText(field, value);
      if (fitsNothing(field, fitted)) delete patch[field];
      else patch[field] = fitted.value;
    }
    let rejectedStatus: InboundOutcome['rejectedStatus'] = null;
    const applied = new Set<string>();
    if (pull.status !== undefined) {
      const path = inboundStatusPath(current.status, pull.status);
      if (path === null) {
        delete patch.status;
        rejectedStatus = { from: current.status, to: pull.status };
      } else {
        // Every step but the last is a move of its own (its own history row); the last goes with the other fields.
        for (const step of path.slice(0, -1)) {
          const moved = await applyDefectChange(tx, current, { status: step }, ctx);
          current = moved.defect;
          for (const f of moved.changed) applied.add(f);
        }
        patch.status = path.at(-1) ?? current.status;
      }
    }
    const { defect, changed } = await applyDefectChange(tx, current, patch, ctx);
    for (const f of changed) applied.add(f);
    return { defect, applied: [...applied], rejectedStatus };
  });
}
