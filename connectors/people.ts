// The people mapping: one row per person, their email (the defect's assignee) and their identity in
// each tracker. Lookups are case-insensitive on email; a person missing from the table maps to null.
import type { TrackerKind } from './contract.ts';

export type Person = { email: string } & Partial<Record<TrackerKind, string>>;

export class People {
  private readonly byEmail = new Map<string, Person>();
  private readonly byRemote = new Map<string, Person>();

  constructor(people: readonly Person[]) {
    for (const p of people) {
      this.byEmail.set(p.email.toLowerCase(), p);
      for (const tracker of ['github', 'jira', 'asana'] as const) {
        const id = p[tracker];
        if (id) this.byRemote.set(`${tracker}\u0000${tracker === 'github' ? id.toLowerCase() : id}`, p);
      }
    }
  }

  /** The tracker's id for the person with this email (GitHub login, Jira accountId, Asana user gid). */
  toRemote(tracker: TrackerKind, email: string | null): string | null {
    if (!email) return null;
    return this.byEmail.get(email.toLowerCase())?.[tracker] ?? null;
  }

  /** The email of the person with this tracker id. */
  fromRemote(tracker: TrackerKind, id: string | null | undefined): string | null {
    if (!id) return null;
    return this.byRemote.get(`${tracker}\u0000${tracker === 'github' ? id.toLowerCase() : id}`)?.email ?? null;
  }
}
