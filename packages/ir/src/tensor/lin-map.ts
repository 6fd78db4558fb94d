/** Keys per Map: a JS Map holds at most 2^24 entries ("Map maximum size exceeded"). */
const SHARD_LIMIT = 1 << 23;

/**
 * A number -> number map (linear element index -> value) without the 2^24-key limit of one JS
 * Map: keys fill one Map, then the next. Lookups try the shards in order, so the common case (one
 * shard) costs one Map operation; a dense 17,716 x 1,639 DBLP product (29 M keys) takes four.
 */
export class LinMap {
  private readonly shards: Map<number, number>[] = [new Map()];

  /** `shardLimit` is for tests, which shrink it to exercise several shards. */
  constructor(private readonly shardLimit = SHARD_LIMIT) {}

  get size(): number {
    let n = 0;
    for (const m of this.shards) n += m.size;
    return n;
  }

  get(key: number): number | undefined {
    for (const m of this.shards) {
      const v = m.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  has(key: number): boolean {
    for (const m of this.shards) if (m.has(key)) return true;
    return false;
  }

  set(key: number, value: number): void {
    for (const m of this.shards) {
      if (m.has(key)) {
        m.set(key, value);
        return;
      }
    }
    let last = this.shards[this.shards.length - 1];
    if (last.size >= this.shardLimit) this.shards.push((last = new Map()));
    last.set(key, value);
  }

  /** Adds `value` to the key's value (absent = 0). */
  add(key: number, value: number): void {
    if (this.shards.length === 1) {
      const m = this.shards[0];
      const v = m.get(key);
      if (v !== undefined || m.size < this.shardLimit) {
        m.set(key, (v ?? 0) + value);
        return;
      }
    }
    this.set(key, (this.get(key) ?? 0) + value);
  }

  *entries(): IterableIterator<[number, number]> {
    for (const m of this.shards) yield* m.entries();
  }

  /** The keys in increasing order. */
  sortedKeys(): Float64Array {
    const out = new Float64Array(this.size);
    let w = 0;
    for (const m of this.shards) for (const k of m.keys()) out[w++] = k;
    return out.sort();
  }
}
