// The one contract every tracker connector implements. The sync engine (src/sync) talks to trackers
// only through this file's types: defect terms in, defect terms out. How a tracker spells a status,
// a priority or a person, and what its payloads look like, stays inside connectors/<tracker>/.
import type { DefectFields, EditableField } from '../src/domain/defect-fields.ts';

export const TRACKER_KINDS = ['github', 'jira', 'asana'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number];

/** The defect fields a ticket carries. */
export const TICKET_FIELDS = ['title', 'description', 'severity', 'status', 'assignee', 'milestone', 'tags'] as const satisfies readonly EditableField[];
export type TicketField = (typeof TICKET_FIELDS)[number];

/**
 * Those fields in defect terms, typed as the defect's own. Read from a ticket, `description` is the
 * body without the parts Defect Sync generates, and `assignee` is the person's email, or null when
 * unassigned or when the tracker's person is not in the people mapping. `tags` is a set (normalizeTags
 * order) without the labels the connector spends on other things (severity, its marker); `milestone` is
 * the milestone's or version's name, null for none or where the connection has nowhere to keep it.
 * A tag a tracker cannot carry (a Jira label with a space) is missing from canonical() and from what a
 * read gives: the engine keeps it on the defect, and the link warns.
 */
export type TicketFields = Pick<DefectFields, TicketField>;

/** The ticket's part of a defect (a row, a view): exactly TICKET_FIELDS. */
export function ticketFieldsOf(d: TicketFields): TicketFields {
  return { title: d.title, description: d.description, severity: d.severity, status: d.status, assignee: d.assignee, milestone: d.milestone, tags: d.tags };
}

/** Read-only facts rendered into the ticket body (never read back). */
export type TicketContext = {
  defectId: string;
  defectKey: string;
  /** Where a person finds the defect in Defect Sync. */
  defectUrl: string;
  /** The newest failing case runs that found the defect, newest first (the footer lists these). */
  failingRuns: FailingRun[];
  /** How many failing runs there are in all; failingRuns.length when absent. */
  failingRunCount?: number;
};

export type FailingRun = { testCase: string; launch: string; message: string | null; ranAt: string };

export type OutboundTicket = { fields: TicketFields; context: TicketContext };

/**
 * What changed since the last sync: ticket fields, plus 'context' when the generated part of the body
 * (failing runs, defect link) changed. The connector writes only these.
 */
export type TicketChange = TicketField | 'context';

/** Where a ticket lives. `remoteId` never changes; `key` may (a Jira issue moved to another project). */
export type TicketRef = { remoteId: string; key: string; url: string };

export type RemoteTicket = TicketRef & {
  fields: TicketFields;
  /** The defect id found in the ticket's idempotency marker, if it carries one. */
  markerDefectId: string | null;
  updatedAt: Date;
  /**
   * The tracker's id of an assignee who is not in the people mapping (fields.assignee is then null, yet
   * the ticket is not unassigned): inbound sync must not clear the defect's assignee for it.
   */
  unmappedAssignee?: string | null;
  /**
   * What the read changed to fit the defect's text rules (a value cut to the limit, characters replaced),
   * said in words for the link's warnings; set by src/sync/inbound-text.ts, never by a connector.
   */
  fitted?: string[];
  /**
   * The description ends in the note this service adds when it cuts a description to fit the tracker's
   * limit: it is a shortened copy of the defect's, never a person's whole text, so inbound sync never
   * takes it into the defect (an edit a person made to the cut copy is reported, not pulled).
   */
  descriptionCut?: boolean;
};

/** A change the connector did not write, and why (shown as a warning on the link). */
export type WithheldChange = { change: TicketChange; reason: string };

/**
 * Where the ticket is after an update, and the changes the connector held back rather than destroy
 * what it cannot write back (a person's image or table, a person's text too long for the footer), or
 * could not make (a Jira version that does not exist). The ticket keeps its own value for a withheld field.
 */
export type UpdatedTicket = TicketRef & { withheld?: WithheldChange[] };

/** When each field last changed in the tracker, where the tracker records it. */
export type FieldTimes = Partial<Record<TicketField, Date>>;

/**
 * A ticket the tracker reports as changed, with the tracker's own time of the change. `version` is set
 * where that time is too coarse to tell two changes apart (GitHub's whole seconds): a digest of what the
 * listing shows, so a person's edit in the same second as an earlier one is still a new change.
 */
export type ChangedTicket = { remoteId: string; updatedAt: Date; version?: string };

/**
 * One thing a configuration check found: `ok` verified, `warn` works but needs a look (or could not be
 * verified with this credential), `error` syncing will fail until a person acts. `what` and `fix` are
 * shown to operators as they are, so they never carry a credential.
 */
export type CheckFinding = { level: 'ok' | 'warn' | 'error'; what: string; fix?: string };

/** What the service expects of the tracker's side, for the parts of the check the connector cannot know. */
export type CheckContext = {
  /**
   * Where this service takes the connection's webhooks: the URL to give the tracker and the paths that
   * reach the connection; null when it takes none (no webhook secret configured: polling only).
   */
  webhook: { url: string; paths: string[] } | null;
};

export interface Connector {
  readonly kind: TrackerKind;
  /** The connection (configured target) this connector serves: what links, queues and locks are keyed by. */
  readonly connection: string;

  /**
   * The fields as the tracker would give them back after writing them (pure). Defect states the tracker
   * cannot tell apart come out equal (GitHub has one "closed" for resolved and closed; an assignee
   * missing from the people mapping becomes null), so the engine never sends a change that cannot show.
   *
   * Given the context, the prediction is exact for a ticket written with it: the description as the
   * tracker's length limit leaves it beside the footer this context renders (cut, with a note, when it
   * does not fit). Without it, only the normal form (line ends, trimming, folded states) and never a
   * cut: the form for values read from a ticket, on which it changes nothing further.
   */
  canonical(fields: TicketFields, context?: TicketContext): TicketFields;

  /**
   * Creates a ticket carrying the idempotency marker for ticket.context.defectId. `onCreated` is
   * awaited with the new ticket's ref once the tracker's create call returns and before anything else
   * can fail: before any follow-up call (a status move, say) and before throwing about the ticket made.
   * The engine records the remote id there, so a follow-up that fails or a crash after it can never
   * lead to a second ticket. A create that returns right after the tracker's answer may skip it: the
   * engine then records the ref with the sync's own write (a statement fewer per ticket). Returns the
   * ref after the follow-ups, with what it withheld (the ticket was made without it: a milestone Jira
   * has no version for).
   */
  create(ticket: OutboundTicket, onCreated?: (ref: TicketRef) => Promise<void>): Promise<UpdatedTicket>;

  /**
   * Writes the changed parts of the ticket (status moves included) and nothing else: a part of the
   * ticket not named in `changes` is left as the tracker holds it (when the generated footer must be
   * re-rendered but 'description' is not a change, the person's part of the body is kept as it is in
   * the tracker). `previous` is the snapshot of what the ticket held after the last sync (null when
   * unknown), so a connector can add and remove just the one value that changed (a label, an assignee)
   * rather than replace a set a person may have added to. Returns the ref as the tracker now reports
   * it, so a changed key is noticed, with the changes it withheld: a description change that would
   * delete content it cannot write back (rich text a person added in the tracker), or a footer that a
   * person's text leaves no room for. Throws TrackerError 'gone' or 'moved' when the ticket is no longer
   * where the ref says.
   */
  update(ref: TicketRef, ticket: OutboundTicket, changes: ReadonlySet<TicketChange>, previous?: TicketFields | null): Promise<UpdatedTicket>;

  /** The ticket's current state in defect terms. */
  read(ref: TicketRef): Promise<RemoteTicket>;

  /**
   * A ticket created earlier for this defect, found by its marker. `attemptStartedAt` is when (by our
   * clock) the earliest create attempt whose outcome is unknown began; the connector widens that window
   * for clock skew and its tracker's timestamp resolution, and bounds its search. `latestAttemptAt` is
   * when the latest such attempt began (the same time when there was one). A connector whose search may
   * lag behind a create (an eventually consistent index) must not answer null while the latest create
   * could still be invisible: it throws a 'transient' TrackerError instead, so the job retries.
   */
  findByMarker(defectId: string, attemptStartedAt: Date, latestAttemptAt?: Date): Promise<TicketRef | null>;

  /** Resolves what a person typed (a key, an issue number, a task gid or a URL) to an existing ticket. */
  lookup(keyOrUrl: string): Promise<RemoteTicket>;

  /**
   * When the given fields last changed in the tracker, from its own record of changes (Jira's changelog,
   * GitHub's issue events, Asana's stories); a field it has no record for takes the ticket's updatedAt.
   * Asked only for fields in conflict, so it costs calls only then.
   */
  fieldTimes(ref: TicketRef, fields: readonly TicketField[], remote: RemoteTicket): Promise<FieldTimes>;

  /**
   * Tickets of the configured project/repository changed at or after `since` (the tracker's clock), oldest
   * change first: polling for what webhooks missed. The answer holds every change up to its newest entry
   * (nothing older than that is left out), so the poll may move its cursor there. A tracker that lists by
   * change time stops once it has `limit`; one that cannot (Asana lists a project in its own order) reads
   * to the end and answers every change, however many.
   */
  changedSince(since: Date, limit: number, linked?: readonly string[]): Promise<ChangedTicket[]>;

  /**
   * Set when changedSince must be given the remote ids of the linked tickets (`linked`): a ticket that
   * stays linked while it leaves the configured project's listing (a Jira issue moved to another
   * project is followed by its id) is watched through them.
   */
  readonly pollsLinked?: boolean;

  /**
   * Reads, and never writes, what the configuration relies on (the credential, the target, what the
   * tracker needs on create, the webhook where the credential may read it) and says what it found.
   * Never throws: a failed call is a finding ("cannot reach <host>: …", or the tracker's refusal).
   */
  check(context: CheckContext): Promise<CheckFinding[]>;

  /** The optional comments capability (issue 15): absent, comments do not cross to this tracker. */
  readonly comments?: CommentsCapability;
}

/**
 * A defect comment as a connector writes it: its author and where it was written (the attribution line
 * "**Ana** wrote in Defect Sync:"), its body (Markdown) and the defect comment id the marker carries.
 * `raw` is set when the remote comment is the person's own (it came from this tracker): the body is then
 * written as it is, without attribution or marker.
 */
export type OutboundComment = { commentId: string; body: string; authorName: string; writtenIn: string; raw?: boolean };

/** A ticket's comment as the tracker holds it. */
export type RemoteComment = {
  remoteId: string;
  /** The text as the tracker gives it back (Markdown for GitHub, Jira's document as text, Asana's plain text). */
  body: string;
  /** The author's name as the tracker shows it (not mapped through the people mapping). */
  authorName: string;
  /** The defect comment id in the comment's marker (a copy Defect Sync wrote), else null. */
  markerCommentId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * The optional comments capability (issue 15). `list` reads every comment of the ticket (oldest first) in
 * as few calls as the API allows; create/update answer the comment as the tracker stored it; `delete` of a
 * comment already gone is not an error.
 */
export interface CommentsCapability {
  list(ref: TicketRef): Promise<RemoteComment[]>;
  create(ref: TicketRef, comment: OutboundComment): Promise<RemoteComment>;
  update(ref: TicketRef, remoteId: string, comment: OutboundComment): Promise<RemoteComment>;
  delete(ref: TicketRef, remoteId: string): Promise<void>;
}

/** A connector with the comments capability. */
export type CommentingConnector = Connector & { readonly comments: CommentsCapability };

export function hasComments(c: Connector): c is CommentingConnector {
  return Boolean((c as Partial<CommentingConnector>).comments);
}
