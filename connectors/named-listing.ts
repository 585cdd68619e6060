// A tracker's list of named things (GitHub milestones, Jira versions, Asana tags) kept by name, for
// connectors that must turn a defect's name into the tracker's id. Listed once and kept `keepMs`; a name
// not in the listing is listed again before the caller acts on the miss (creates it, or warns), unless the
// listing is younger than `relistMs`: a burst of misses costs one listing, and something a person made
// since is still found.
export type NamedListingOptions<V> = {
  /** Every item, by key (the first of equal keys wins). */
  list: () => Promise<Map<string, V>>;
  keepMs: number;
  relistMs: number;
  /** How names compare (default: as given). */
  key?: (name: string) => string;
};

export class NamedListing<V> {
  #known: Map<string, V> | null = null;
  #listedAt = 0;
  readonly #opts: NamedListingOptions<V>;
  readonly #key: (name: string) => string;

  constructor(opts: NamedListingOptions<V>) {
    this.#opts = opts;
    this.#key = opts.key ?? ((name) => name);
  }

  /** The item of this name, listing first when the kept listing is too old or misses it; undefined when none. */
  async find(name: string): Promise<V | undefined> {
    const age = Date.now() - this.#listedAt;
    if (age > this.#opts.keepMs) this.#known = null;
    const hit = this.#known?.get(this.#key(name));
    if (hit !== undefined) return hit;
    if (this.#known && age < this.#opts.relistMs) return undefined;
    return this.relist(name);
  }

  /** Lists again, whatever the kept listing's age (after the tracker refused a create as a duplicate). */
  async relist(name: string): Promise<V | undefined> {
    this.#known = await this.#opts.list();
    this.#listedAt = Date.now();
    return this.#known.get(this.#key(name));
  }

  /** An item just made: kept beside the listing. */
  remember(name: string, value: V): void {
    this.#known?.set(this.#key(name), value);
  }
}
