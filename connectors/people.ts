// The people mapping: one row per person, their email (the defect's assignee) and their identity in
// each tracker. Lookups are case-insensitive on email; a person missing from the table maps to null.
// A person may have another account on one connection (a GitHub Enterprise server with its own logins):
// `accounts: { <connection>: id }` replaces their id of that kind there, and only there.
import type { TrackerKind } from './contract.ts';

export type Person = { email: string; accounts?: Readonly<Record<string, string>> } & Partial<Record<TrackerKind, string>>;

/** The connection a mapping is read for: its own accounts win over the kind-wide ids. */
export type PeopleScope = { connection: string; kind: TrackerKind };

export class People {
  private readonly byEmail = new Map<string, Person>();
  private readonly byRemote = new Map<string, Person>();
  private readonly scope: PeopleScope | undefined;

  constructor(people: readonly Person[], scope?: PeopleScope) {
    this.scope = scope;
    for (const p of people) {
      this.byEmail.set(p.email.toLowerCase(), p);
      for (const tracker of ['github', 'jira', 'asana'] as const) {
        const id = this.idOf(p, tracker);
        if (id) this.byRemote.set(remoteKey(tracker, id), p);
      }
    }
  }

  /** The tracker's id for the person with this email (GitHub login, Jira accountId, Asana user gid). */
  toRemote(tracker: TrackerKind, email: string | null): string | null {
    if (!email) return null;
    const p = this.byEmail.get(email.toLowerCase());
    return (p && this.idOf(p, tracker)) ?? null;
  }

  /** The email of the person with this tracker id. */
  fromRemote(tracker: TrackerKind, id: string | null | undefined): string | null {
    if (!id) return null;
    return this.byRemote.get(remoteKey(tracker, id))?.email ?? null;
  }

  private idOf(p: Person, tracker: TrackerKind): string | undefined {
    const own = this.scope && this.scope.kind === tracker ? p.accounts?.[this.scope.connection] : undefined;
    return own ?? p[tracker];
  }
}

// GitHub logins are case-insensitive; Jira accountIds and Asana gids are exact.
const remoteKey = (tracker: TrackerKind, id: string) => `${tracker}\u0000${tracker === 'github' ? id.toLowerCase() : id}`;
