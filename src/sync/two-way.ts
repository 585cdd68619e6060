// One two-way exchange between a defect and its ticket: read the ticket as it is now, merge field by
// field against the snapshot (src/sync/merge.ts), apply what the ticket changed to the defect (through the
// store's one write path), write what the defect changed to the ticket, and record every conflict
// decided. Our own earlier write coming back (by webhook or poll) reads equal to the snapshot and changes
// nothing; nothing the ticket changed is written back to it. Blind to payloads: connectors speak
// defect terms.
import type { PrismaClient } from '../db.ts';
import type { Logger } from '../logger.ts';
import type { Connector, OutboundTicket, TicketChange, TicketField, TicketFields, TicketRef, UpdatedTicket } from '../../connectors/contract.ts';
import { TICKET_FIELDS, ticketFieldsOf } from '../../connectors/contract.ts';
import type { Direction } from './sync-config.ts';
import { applyTagMerge, completeBase, conflictingFields, mergeTicket, type ConflictDecision, type MergeInput } from './merge.ts';
import { applyInbound } from './apply-inbound.ts';
import type { Snapshot } from './plan.ts';

export type ExchangeInput = {
  connector: Connector;
  ref: TicketRef;
  ticket: OutboundTicket;
  defect: { id: string; version: number; fieldChangedAt: unknown };
  snapshot: Snapshot | null;
  digest: string;
  /** Throws once the sync's lock is lost: nothing is written after that. */
  lockLost: () => void;
};

export type ExchangeResult = {
  ref: TicketRef;
  snapshot: Snapshot;
  pushed: Set<TicketChange>;
  pulled: string[];
  conflicts: ConflictDecision[];
  warnings: string[];
  /** The defect's version after pulling the ticket's changes, when there were any. */
  version?: number;
  /** The tracker's time of the newest change pulled (for the inbound latency metric), when there were any. */
  pulledChangedAt?: Date;
};

export async function exchange(
  deps: { prisma: PrismaClient; directions: Readonly<Record<TicketField, Direction>>; log: Logger },
  input: ExchangeInput,
): Promise<ExchangeResult> {
  const { connector, snapshot, digest } = input;
  const tracker = connector.kind;
  const remote = await connector.read(input.ref);
  const warnings: string[] = [];
  const ignoreRemote = new Set<TicketField>();
  if (remote.unmappedAssignee) {
    ignoreRemote.add('assignee');
    warnings.push(`the ${tracker} assignee ${remote.unmappedAssignee} is not in the people mapping; the defect's assignee was kept`);
  }
  // A value cut or cleaned to fit the defect's text rules (src/sync/inbound-text.ts).
  warnings.push(...(remote.fitted ?? []));
  // A cut copy of the defect's own description is never a person's text (security F2, review #1).
  if (remote.descriptionCut) ignoreRemote.add('description');
  // The defect as it reads back once written beside this footer (a description too long is cut there).
  const local = connector.canonical(input.ticket.fields, input.ticket.context);
  const remoteFields = connector.canonical(remote.fields);
  const merge: MergeInput = {
    local,
    remote: remoteFields,
    base: completeBase(snapshot?.fields ?? null, local, remoteFields),
    directions: deps.directions,
    localTimes: stampsOf(input.defect.fieldChangedAt),
    remoteTimes: {},
    ignoreRemote,
  };
  if (remote.descriptionCut && snapshot && merge.remote.description !== snapshot.fields.description) {
    warnings.push(`the ${tracker} description is a copy Defect Sync cut to fit ${tracker}'s limit (it ends in the note saying so); an edit made to it there is not taken into the defect: edit the defect's description instead`);
  }
  const contested = conflictingFields(merge);
  if (contested.length) merge.remoteTimes = await connector.fieldTimes(input.ref, contested, remote);
  const merged = mergeTicket(merge);

  // The ticket's own reading, not its canonical form: GitHub's "not planned" reads as closed, which
  // canonical() would fold into resolved.
  const pull = Object.fromEntries(Object.keys(merged.pull).map((f) => [f, remote.fields[f as TicketField]])) as Partial<TicketFields>;
  // Tags merge as a set in the tracker's terms; the defect keeps the tags that tracker cannot carry.
  if (merged.pull.tags) pull.tags = applyTagMerge(input.ticket.fields.tags, merge.local.tags, merged.pull.tags);
  let fields = input.ticket.fields;
  let pulled: string[] = [];
  let version: number | undefined;
  let pulledChangedAt: Date | undefined;
  if (Object.keys(pull).length) {
    // A pulled field is stamped with the tracker's time of that field's change, so a later conflict with
    // another tracker compares when people made their edits: the ticket's updated time moves with
    // comments and other fields, and would hand the win to whichever tracker was read first. The
    // tracker's record of changes is read once more only when something is pulled; the updated time
    // stands in where the tracker keeps no record.
    const unstamped = (Object.keys(pull) as TicketField[]).filter((f) => !merge.remoteTimes[f]);
    const pulledTimes = unstamped.length ? await connector.fieldTimes(input.ref, unstamped, remote) : {};
    input.lockLost();
    const changedAt = Object.fromEntries(
      (Object.keys(pull) as TicketField[]).map((f) => [f, merge.remoteTimes[f] ?? pulledTimes[f] ?? remote.updatedAt]),
    );
    const applied = await applyInbound(deps.prisma, input.defect.id, input.defect.version, connector.connection, pull, changedAt);
    pulled = applied.applied;
    version = applied.defect.version;
    pulledChangedAt = new Date(Math.max(...Object.values(changedAt).map((d) => d.getTime())));
    fields = ticketFieldsOf(applied.defect);
    // A status that syncs inbound only is never written to the ticket, not even to bring it back.
    const statusOut = deps.directions.status === 'both' || deps.directions.status === 'outbound';
    if (applied.rejectedStatus) {
      // Not forced, not retried in a loop: the ticket is brought back to the defect's status.
      const { from, to } = applied.rejectedStatus;
      const then = statusOut ? `the ticket was set back to ${from}` : 'the ticket was left as it is (status syncs inbound only)';
      warnings.push(`${tracker} moved the ticket to ${to}, which a ${from} defect cannot become; ${then}`);
      if (statusOut) merged.push.add('status');
    }
    // Whatever the defect now holds (a reopen for a "not done" status, say) is what both sides hold.
    const now = connector.canonical(fields);
    // (Tags are left as the merge put them: for inbound-only tags the ticket holds its own set.)
    for (const f of TICKET_FIELDS) if (f !== 'tags' && (f in merged.pull || (f === 'status' && statusOut))) merged.next[f] = now[f] as never;
    if (statusOut && 'status' in pull && now.status !== merge.remote.status) merged.push.add('status');
  }

  const changes = new Set<TicketChange>(merged.push);
  if (!snapshot || snapshot.contextDigest !== digest) changes.add('context');
  const ticket: OutboundTicket = { fields, context: input.ticket.context };
  if (changes.size) input.lockLost();
  // Where the ticket is now, as the read says (a Jira issue moved to another project has a new key).
  const here: TicketRef = { remoteId: remote.remoteId, key: remote.key, url: remote.url };
  const written: UpdatedTicket = changes.size ? await connector.update(here, ticket, changes, merge.remote) : here;
  const { withheld = [], ...ref } = written;
  // What the connector held back stays as the ticket holds it, so the next sync tries again and never
  // reads the ticket's old value as a person's edit.
  for (const w of withheld) {
    warnings.push(w.reason);
    changes.delete(w.change);
    if (w.change !== 'context') merged.next[w.change] = merge.remote[w.change] as never;
  }
  if (changes.has('status')) merged.next.status = connector.canonical(fields).status;

  if (merged.conflicts.length) {
    await deps.prisma.syncConflict.createMany({
      data: merged.conflicts.map((c) => ({
        defectId: input.defect.id,
        connection: connector.connection,
        field: c.field,
        defectValue: c.defectValue as never,
        remoteValue: c.remoteValue as never,
        defectChangedAt: c.defectChangedAt,
        remoteChangedAt: c.remoteChangedAt,
        winner: c.winner,
      })),
    });
    deps.log.info({ connection: connector.connection, defectId: input.defect.id, conflicts: merged.conflicts.map((c) => `${c.field}→${c.winner}`) }, 'conflicts decided');
  }
  return {
    ref,
    snapshot: { fields: merged.next, contextDigest: changes.has('context') ? digest : (snapshot?.contextDigest ?? digest) },
    pushed: changes,
    pulled,
    conflicts: merged.conflicts,
    warnings,
    ...(version !== undefined && { version }),
    ...(pulledChangedAt && pulled.length && { pulledChangedAt }),
  };
}

function stampsOf(value: unknown): Partial<Record<TicketField, Date>> {
  const out: Partial<Record<TicketField, Date>> = {};
  if (!value || typeof value !== 'object') return out;
  for (const f of TICKET_FIELDS) {
    const at = (value as Record<string, unknown>)[f];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) out[f] = new Date(at);
  }
  return out;
}

