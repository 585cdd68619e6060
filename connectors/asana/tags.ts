// Asana tags by name: a task holds tag gids, a defect tag names. The workspace's tags are listed once
// and kept a few minutes; a name not among them is listed again (a person may have made it since), then
// created in the workspace on first use. Asana does not keep tag names unique: the first listed wins.
import type Asana from 'asana';

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
  let known: Map<string, string> | null = null;
  let listedAt = 0;

  async function list(): Promise<Map<string, string>> {
    const ws = await workspace();
    const out = new Map<string, string>();
    let offset: string | undefined;
    let pages = 0;
    do {
      const page = (await call(() => api.getTagsForWorkspace(ws, { limit: 100, opt_fields: 'name', ...(offset && { offset }) }))) as TagPage;
      for (const t of page.data ?? []) if (t.gid && t.name && !out.has(t.name)) out.set(t.name, t.gid);
      offset = page.next_page?.offset ?? undefined;
    } while (offset && ++pages < MAX_PAGES);
    listedAt = Date.now();
    return (known = out);
  }

  return {
    async gidOf(name) {
      if (Date.now() - listedAt > KEEP_MS) known = null;
      // A listing of the last seconds is not repeated; an older one is, before a create.
      const recent = known && Date.now() - listedAt < RELIST_MS;
      const found = known?.get(name) ?? (recent ? undefined : (await list()).get(name));
      if (found) return found;
      const ws = await workspace();
      const made = (await call(() => api.createTagForWorkspace({ data: { name } }, ws, { opt_fields: 'name' }))) as { data?: { gid?: string } };
      const gid = made.data?.gid;
      if (!gid) throw new Error(`asana answered the tag create for "${name}" without a gid`);
      known!.set(name, gid);
      return gid;
    },
  };
}
