// GitHub milestones by title: an issue refers to its milestone by number, people and defects by title.
// The repository's milestones (open and closed: a closed milestone is matched by its title too) are listed
// once and kept; a title not among them is listed again (a person may have made it since), then created.
import type { Octokit } from '@octokit/rest';
import { TrackerError } from '../errors.ts';
import { NamedListing } from '../named-listing.ts';
import type { Repo } from './refs.ts';

type Answer<T> = { status: number; headers: Record<string, string | number | undefined>; data: T };
type Send = <T>(what: string, onTicket: boolean, call: () => Promise<Answer<T>>) => Promise<Answer<T>>;
type Milestone = { number: number; title: string };

/** A milestone deleted in GitHub is forgotten at the latest this long after the listing that showed it. */
const KEEP_MS = 10 * 60_000;
/** A listing younger than this is trusted for a miss (a create GitHub then refuses as taken lists again). */
const RELIST_MS = 30_000;
/** 1,000 milestones: more than any repository we expect, and a bound on the calls one lookup spends. */
const MAX_PAGES = 10;

export type GithubMilestones = {
  /** The number of the milestone with this title (compared case-insensitively), created when there is none. */
  numberOf(title: string): Promise<number>;
};

export function githubMilestones(octokit: Octokit, repo: Repo, send: Send): GithubMilestones {
  const key = (title: string) => title.trim().toLowerCase();
  const milestones = new NamedListing<number>({
    keepMs: KEEP_MS,
    relistMs: RELIST_MS,
    key,
    async list() {
      const out = new Map<string, number>();
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await send('listing milestones', false, () =>
          octokit.rest.issues.listMilestones({ owner: repo.owner, repo: repo.repo, state: 'all', per_page: 100, page }) as Promise<Answer<Milestone[]>>,
        );
        for (const m of res.data) if (!out.has(key(m.title))) out.set(key(m.title), m.number);
        if (res.data.length < 100) break;
      }
      return out;
    },
  });

  return {
    async numberOf(title) {
      const found = await milestones.find(title);
      if (found !== undefined) return found;
      try {
        const made = await send(`creating the milestone "${title}"`, false, () =>
          octokit.rest.issues.createMilestone({ owner: repo.owner, repo: repo.repo, title: title.trim() }) as Promise<Answer<Milestone>>,
        );
        milestones.remember(title, made.data.number);
        return made.data.number;
      } catch (err) {
        // Made by someone else between our listing and our create: list once more.
        if (!(err instanceof TrackerError && err.status === 422)) throw err;
        const again = await milestones.relist(title);
        if (again !== undefined) return again;
        throw err;
      }
    },
  };
}
