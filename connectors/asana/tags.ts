// Asana tags by name: a task holds tag gids, a defect tag names. The workspace's tags are listed once
// and kept a few minutes; a name not among them is listed again (a person may have made it since), then
// created in the workspace on first use. Asana does not keep tag names unique: the first listed wins.
import type Asana from 'asana';
import { NamedListing } from '../named-listing.ts';

type Call = <T>(fn: () => Promise<T>, onTicket?: boolean) => Promise<T>;
type TagPage = { data?: { gid?: string; name?: string }[]; next_page?: { offset?: string } | null };

/** A tag made or deleted in Asana is seen at the latest this long after the listing that missed it. */
const KEEP_MS = 5 * 60_000;
/** A listing younger than this is trusted for a miss (a tag made within it may be made twice: Asana allows that). */
const RELIST_MS = 30_000;
/** 10,000 tags: a bound on the calls one listing spends. */
const MAX_PAGES = 100;

export type AsanaTags = {
  /** The gid of the workspace tag with this name, created when there is none. */
  gidOf(name: string): Promise<string>;
};

export function asanaTags(api: InstanceType<typeof Asana.TagsApi>, call: Call, workspace: () => Promise<string>): AsanaTags {
  const tags = new NamedListing<string>({
    keepMs: KEEP_MS,
    relistMs: RELIST_MS,
    async list() {
      const ws = await workspace();
      const out = new Map<string, string>();
      let offset: string | undefined;
      let pages = 0;
      do {
        const page = (await call(() => api.getTagsForWorkspace(ws, { limit: 100, opt_fields: 'name', ...(offset && { offset }) }))) as TagPage;
        for (const t of page.data ?? []) if (t.gid && t.name && !out.has(t.name)) out.set(t.name, t.gid);
        offset = page.next_page?.offset ?? undefined;
      } while (offset && ++pages < MAX_PAGES);
      return out;
    },
  });

  return {
    async gidOf(name) {
      const found = await tags.find(name);
      if (found !== undefined) return found;
      const ws = await workspace();
      const made = (await call(() => api.createTagForWorkspace({ data: { name } }, ws, { opt_fields: 'name' }))) as { data?: { gid?: string } };
      const gid = made.data?.gid;
      if (!gid) throw new Error(`asana answered the tag create for "${name}" without a gid`);
      tags.remember(name, gid);
      return gid;
    },
  };
}
