// Jira versions by name: a defect's milestone is the fix version, which must be a version of the
// project (Jira refuses an unknown name with 400 "Version name 'X' is not valid"). The project's versions
// are listed once and kept a few minutes; a name not among them is listed again (a person may have made it
// since). A version that does not exist is created only with `jira.createVersions: true`; otherwise the
// milestone is withheld with a warning on the link, and the next sync tries again.
import type { JiraClient } from './sdk.ts';
import { NamedListing } from '../named-listing.ts';

type Call = <T>(fn: () => Promise<T>, onTicket?: boolean) => Promise<T>;

/** A version made or deleted in Jira is seen at the latest this long after the listing that missed it. */
const KEEP_MS = 5 * 60_000;

/**
 * A listing younger than this is trusted for a miss. Short: a missing version is a warning a person
 * fixes by making the version, and the next sync should see it; the defect's syncs are rare (changes,
 * not polls), so a miss costs one listing per sync of that defect at most.
 */
const RELIST_MS = 1_000;

export type VersionFound = { name: string } | { missing: string };

export function jiraVersions(jira: JiraClient, call: Call, projectKey: string, createVersions: boolean) {
  let projectId: number | null = null;
  const versions = new NamedListing<string>({
    keepMs: KEEP_MS,
    relistMs: RELIST_MS,
    key: (name) => name.trim().toLowerCase(),
    async list() {
      const out = new Map<string, string>();
      for (const v of await call(() => jira.projectVersions.getProjectVersions({ projectIdOrKey: projectKey }))) {
        if (v.name && !out.has(v.name.toLowerCase())) out.set(v.name.toLowerCase(), v.name);
        if (typeof v.projectId === 'number') projectId = v.projectId;
      }
      return out;
    },
  });

  return {
    /** The project's version with this name (compared case-insensitively, as Jira keeps names unique). */
    async find(name: string): Promise<VersionFound> {
      const hit = await versions.find(name);
      if (hit !== undefined) return { name: hit };
      if (!createVersions) {
        return { missing: `Jira project ${projectKey} has no version "${name.trim()}", so the milestone was not set on the issue; create the version in Jira (Releases), or set jira.createVersions: true to let Defect Sync create it` };
      }
      projectId ??= Number((await call(() => jira.projects.getProject({ projectIdOrKey: projectKey }))).id);
      const made = await call(() => jira.projectVersions.createVersion({ name: name.trim(), projectId: projectId! }));
      versions.remember(name, made.name ?? name.trim());
      return { name: made.name ?? name.trim() };
    },
  };
}

export type JiraVersions = ReturnType<typeof jiraVersions>;
