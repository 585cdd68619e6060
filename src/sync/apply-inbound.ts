// Applies what a ticket changed to its defect, through the one write path every change takes
// (lifecycle check, version, field stamps, history with actor tracker:<kind>, outbox), so the other
// trackers follow through the ordinary outbound path and the change is not queued back to its origin.
import type { Defect } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db.ts';
import type { TicketFields, TrackerKind } from '../../connectors/contract.ts';
import { inboundStatusMove, type DefectStatus } from '../domain/lifecycle.ts';
import type { DefectPatch } from '../domain/defect-fields.ts';
import { applyDefectChange, inTransaction } from '../store/defect-changes.ts';
import { lockDefect } from '../store/find.ts';

export const trackerActor = (tracker: TrackerKind): string => `tracker:${tracker}`;

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
  tracker: TrackerKind,
  pull: Partial<TicketFields>,
  changedAt: Readonly<Record<string, Date>>,
): Promise<InboundOutcome> {
  return inTransaction(prisma, async (tx) => {
    const current = await lockDefect(tx, defectId);
    if (current.version !== readVersion) throw new DefectMovedOn();
    const patch: DefectPatch = { ...pull };
    let rejectedStatus: InboundOutcome['rejectedStatus'] = null;
    if (pull.status !== undefined) {
      const move = inboundStatusMove(current.status, pull.status);
      if (move === null) {
        delete patch.status;
        rejectedStatus = { from: current.status, to: pull.status };
      } else {
        patch.status = move;
      }
    }
    const { defect, changed } = await applyDefectChange(tx, current, patch, { actor: trackerActor(tracker), origin: tracker, changedAt });
    return { defect, applied: changed, rejectedStatus };
  });
}
