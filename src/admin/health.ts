// A tracker's health at a glance, from the sync-status figures. Pure, so the rule is unit-tested and
// documented in one place:
//   red    a person must act, or nothing gets through: links refused by the tracker (failed), the last
//          poll failed, the newest failed attempt is newer than the newest success, or the last
//          configuration check found an error (a refused credential, a missing project, a required Jira
//          field with no value: named before any defect fails on it)
//   amber  it works but something needs a look: links retrying or missing (ticket deleted or moved),
//          signed webhooks rejected in the last 24 h (a wrong secret, or someone forging signatures), or
//          a queue backlog of more than QUEUE_BACKLOG_AMBER jobs waiting or delayed. Posts refused for
//          carrying no signature at all are counted (webhooks24h.unsigned) but never judged: anyone who
//          can reach the port can send them, and the tracker itself always signs.
//   green  none of the above;  off: the tracker is not configured
export type Health = 'green' | 'amber' | 'red' | 'off';

export const QUEUE_BACKLOG_AMBER = 1000;

export type HealthInput = {
  enabled: boolean;
  links: Readonly<Record<string, number>>;
  queue: { waiting: number; delayed: number } | null;
  /** `rejected`: deliveries refused in 24 h although signed; unsigned refusals are not part of the rule. */
  webhooks: { rejected: number } | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  pollError: string | null;
  /** The errors the connection's last configuration check found (src/sync/check.ts); warnings do not count. */
  checkErrors?: readonly string[];
};

export function trackerHealth(s: HealthInput): { health: Health; reasons: string[] } {
  if (!s.enabled) return { health: 'off', reasons: ['not configured'] };
  const red: string[] = [];
  const amber: string[] = [];
  const n = (state: string) => s.links[state] ?? 0;
  if (n('failed')) red.push(`${n('failed')} link(s) refused by the tracker`);
  if (s.pollError) red.push(`the last poll failed: ${s.pollError}`);
  if (s.lastFailureAt && (!s.lastSuccessAt || s.lastFailureAt > s.lastSuccessAt)) red.push('no success since the last failure');
  for (const e of s.checkErrors ?? []) red.push(`config check: ${e}`);
  if (n('retrying')) amber.push(`${n('retrying')} link(s) retrying`);
  if (n('missing')) amber.push(`${n('missing')} link(s) missing their ticket`);
  if (s.webhooks?.rejected) amber.push(`${s.webhooks.rejected} signed webhook(s) rejected in 24 h (a wrong secret?)`);
  const backlog = s.queue ? s.queue.waiting + s.queue.delayed : 0;
  if (backlog > QUEUE_BACKLOG_AMBER) amber.push(`${backlog} jobs queued`);
  if (red.length) return { health: 'red', reasons: [...red, ...amber] };
  if (amber.length) return { health: 'amber', reasons: amber };
  return { health: 'green', reasons: [] };
}
