// The events outgoing webhooks can subscribe to, and their recording: one HookDelivery row per subscribed
// enabled hook, inserted by the transaction of the change itself (the hooks' outbox), so a committed change
// is delivered at least once and a rolled-back one never. One statement, which inserts nothing when no hook
// listens.
import { Prisma } from '../generated/prisma/client.ts';

export const HOOK_EVENTS = [
  'defect.created',
  'defect.updated',
  'defect.status_changed',
  'defect.reopened',
  'case_run.failed',
  'triage.incident',
  'sync.link_failed',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

type Sql = { $executeRaw: (query: Prisma.Sql) => Promise<number> };

/** Records `types` about the defect, case run or incident `subjectId` for every enabled hook that takes them. */
export async function recordHookEvent(db: Sql, types: readonly HookEvent[], subjectId: string, change: Record<string, unknown> = {}): Promise<void> {
  if (types.length === 0) return;
  await db.$executeRaw(hookDeliveriesInsert(types, subjectId, change));
}

/** The INSERT that records them: a statement of its own, or a CTE in the change's own statement (src/store/outbox.ts), which may add a condition (it ends with its WHERE clause). */
export function hookDeliveriesInsert(types: readonly HookEvent[], subjectId: string, change: Record<string, unknown>): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "HookDelivery" (id, "hookId", type, "subjectId", change)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), h.id, t.type, ${subjectId}::uuid, ${JSON.stringify(change)}::jsonb
    FROM "Hook" h CROSS JOIN unnest(${types as string[]}::text[]) AS t(type)
    WHERE h.enabled AND t.type = ANY(h.events)`;
}

/** The events an outbox row of a defect change is. */
export function defectEvents(kind: string, payload: { fields: readonly string[]; status?: { to: string } }): HookEvent[] {
  switch (kind) {
    case 'defect.created':
      return ['defect.created'];
    case 'defect.updated':
      return ['defect.updated'];
    case 'defect.status_changed': {
      const out: HookEvent[] = ['defect.status_changed'];
      if (payload.status?.to === 'reopened') out.push('defect.reopened');
      if (payload.fields.some((f) => f !== 'status')) out.push('defect.updated');
      return out;
    }
    default:
      return [];
  }
}
