// Values read from a tracker pass the same text rules as the API's (src/domain/text-rules.ts) before the
// sync, the link-by-hand snapshot or anything else sees them: every connector built for the service is
// wrapped here, so no path that reads a ticket can skip the rules. A person in a tracker cannot be sent a
// 400, and refusing the whole ticket would stop its other fields too, so an over-long value is cut at the
// API's limit and an unstorable character replaced, and the link says so; only a value that still breaks
// the rules (an empty title) refuses the ticket, as a `rejected` error: retrying cannot fix it, a person
// editing the ticket does (their edit's webhook or the next poll brings the link back).
import type { Connector, RemoteTicket, TicketFields, TrackerKind } from '../../connectors/contract.ts';
import { TrackerError } from '../../connectors/errors.ts';
import { characters, fitTags, fitText, fitsNothing, MAX_FOR, type TextField } from '../domain/text-rules.ts';

const TEXT_FIELDS = ['title', 'description'] as const satisfies readonly TextField[];

/** The ticket's fields made to fit; what had to change is in `fitted` (the link's warnings). */
export function fitRemote(tracker: TrackerKind, remote: RemoteTicket): RemoteTicket {
  const fields: TicketFields = { ...remote.fields };
  const notes: string[] = [];
  for (const field of TEXT_FIELDS) {
    const fitted = fitText(field, fields[field]);
    if (fitsNothing(field, fitted)) {
      throw new TrackerError(
        tracker,
        'rejected',
        `the ${tracker} ticket ${remote.key} has an empty ${field}, which a defect cannot have; the defect was left as it is: give the ticket a ${field}`,
      );
    }
    if (fitted.replaced) notes.push(`the ${tracker} ${field} held NUL or unpaired surrogate characters, which a defect cannot store; the defect holds U+FFFD in their place`);
    if (fitted.cutFrom !== null) {
      notes.push(`the ${tracker} ${field} is ${fitted.cutFrom} characters, more than a defect's ${MAX_FOR[field]}; the defect holds its first ${characters(fitted.value)}`);
    }
    fields[field] = fitted.value;
  }
  if (fields.milestone !== null) {
    const fitted = fitText('milestone', fields.milestone);
    if (fitted.replaced) notes.push(`the ${tracker} milestone held NUL or unpaired surrogate characters, which a defect cannot store; the defect holds U+FFFD in their place`);
    if (fitted.cutFrom !== null) notes.push(`the ${tracker} milestone is ${fitted.cutFrom} characters, more than a defect's ${MAX_FOR.milestone}; the defect holds its first ${MAX_FOR.milestone}`);
    fields.milestone = fitted.value || null;
  }
  const tags = fitTags(fields.tags);
  notes.push(...tags.notes.map((n) => `${tracker}: ${n}`));
  fields.tags = tags.value;
  if (!notes.length && fields.milestone === remote.fields.milestone && sameList(fields.tags, remote.fields.tags)) return remote;
  return { ...remote, fields, fitted: [...(remote.fitted ?? []), ...notes] };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * `connector` whose reads (sync and lookup by hand) come back fitted to the defect's text rules. Every
 * other method is the connector's own (connectors are plain objects that never use `this`).
 */
export function withInboundRules(connector: Connector): Connector {
  const { kind } = connector;
  return {
    ...connector,
    read: async (ref) => fitRemote(kind, await connector.read(ref)),
    lookup: async (keyOrUrl) => fitRemote(kind, await connector.lookup(keyOrUrl)),
  };
}
