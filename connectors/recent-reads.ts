// What a connector just read from its tracker, kept for a moment: a sync reads a ticket and then writes
// it in the same job, and the write can start from that read instead of asking again. Bounded (the
// oldest put goes first) and, with maxAgeMs, never trusted past that age.
export type RecentReadsOptions = { maxSize: number; maxAgeMs?: number };

export class RecentReads<K, V> {
  readonly #entries = new Map<K, { at: number; value: V }>();
  readonly #maxSize: number;
  readonly #maxAgeMs: number;

  constructor(opts: RecentReadsOptions) {
    this.#maxSize = opts.maxSize;
    this.#maxAgeMs = opts.maxAgeMs ?? Infinity;
  }

  put(key: K, value: V): void {
    // Put again, a key counts as the newest (Map order is insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, { at: Date.now(), value });
    if (this.#entries.size > this.#maxSize) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The value read for the key if still fresh, wrapped so that a value read as undefined is still a hit. */
  get(key: K): { value: V } | undefined {
    const hit = this.#entries.get(key);
    return hit && Date.now() - hit.at <= this.#maxAgeMs ? { value: hit.value } : undefined;
  }

  /** As get, and forgets the key: a reading used at most once. */
  take(key: K): { value: V } | undefined {
    const hit = this.get(key);
    this.#entries.delete(key);
    return hit;
  }
}
