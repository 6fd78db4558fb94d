import type { TileStore } from './tiles';

/** 2^21: slots a packed drain can carry beside a key below 2^31 (2^52 < 2^53). */
const PACK_SLOTS = 2097152;

/** From this many entries a drain radix-sorts (below, the native sort of packed doubles wins). */
const RADIX_MIN = 1024;

/** Slots 0..n-1 ordered by their integer keys (0 <= key < 2^31): LSD radix sort, 11 bits a pass. */
function radixOrder(keys: Float64Array, n: number): Uint32Array {
  let max = 0;
  const k32 = new Uint32Array(n);
  for (let s = 0; s < n; s++) {
    const k = keys[s];
    k32[s] = k;
    if (k > max) max = k;
  }
  let order = new Uint32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  let tmp = new Uint32Array(n);
  const count = new Int32Array(2049);
  for (let shift = 0; shift < 32 && (shift === 0 || max >>> shift !== 0); shift += 11) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((k32[order[i]] >>> shift) & 2047) + 1]++;
    for (let d = 0; d < 2048; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) {
      const s = order[i];
      tmp[count[(k32[s] >>> shift) & 2047]++] = s;
    }
    const t = order;
    order = tmp;
    tmp = t;
  }
  return order;
}

/**
 * Ordered accumulator of a sparse accumulator: an open-addressing hash (typed arrays) from key to
 * a slot for small non-negative integer keys (all coordinates in practice), a Map otherwise;
 * scalar sums live in a typed array (no boxed doubles), tiles in block mode.
 */
export class AccMap {
  private m = new Map<number, number>();
  private keys = new Float64Array(64);
  private sums = new Float64Array(64);
  /** slot -> hash position (to clear the table in O(entries)). */
  private where = new Int32Array(64);
  private hk = new Int32Array(128).fill(-1);
  private hs = new Int32Array(128);
  private bits = 7;
  private tl: Float64Array[] = [];
  private n = 0;
  constructor(
    private tiles: TileStore | null,
    private isMax = false,
  ) {}
  private find(key: number): number {
    if (key < 0 || key > 0x7fffffff || key !== Math.floor(key)) {
      const s = this.m.get(key);
      return s === undefined ? -1 : s;
    }
    const mask = (1 << this.bits) - 1;
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const k = this.hk[h];
      if (k === key) return this.hs[h];
      if (k === -1) return -1;
      h = (h + 1) & mask;
    }
  }
  private rehash(): void {
    this.bits++;
    this.hk = new Int32Array(1 << this.bits).fill(-1);
    this.hs = new Int32Array(1 << this.bits);
    const mask = (1 << this.bits) - 1;
    for (let slot = 0; slot < this.n; slot++) {
      if (this.where[slot] < 0) continue;
      const key = this.keys[slot];
      let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
      while (this.hk[h] !== -1) h = (h + 1) & mask;
      this.hk[h] = key;
      this.hs[h] = slot;
      this.where[slot] = h;
    }
  }
  /** Adds `v` into the entry of `key` (a sum, or a maximum); returns the element ops (tile size). */
  add(key: number, v: number): number {
    let slot: number;
    if ((key | 0) === key && key >= 0) {
      // one probe finds the key or the free position where it goes
      if ((this.n + 1) * 2 > this.hk.length) this.rehash();
      const hk = this.hk;
      const mask = hk.length - 1;
      let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
      let k = hk[h];
      while (k !== key && k !== -1) {
        h = (h + 1) & mask;
        k = hk[h];
      }
      if (k === key) slot = this.hs[h];
      else {
        slot = this.open(key, v);
        hk[h] = key;
        this.hs[h] = slot;
        this.where[slot] = h;
      }
    } else {
      const s = this.m.get(key);
      if (s !== undefined) slot = s;
      else {
        slot = this.open(key, v);
        this.m.set(key, slot);
        this.where[slot] = -1;
      }
    }
    const tls = this.tiles;
    if (tls === null) {
      if (this.isMax) {
        if (v > this.sums[slot]) this.sums[slot] = v;
      } else this.sums[slot] += v;
      return 1;
    }
    const src = tls.get(v);
    const cur = this.tl[slot];
    if (this.isMax) for (let i = 0; i < cur.length; i++) cur[i] = Math.max(cur[i], src[i]);
    else for (let i = 0; i < cur.length; i++) cur[i] += src[i];
    return src.length;
  }
  /** A new slot for `key` holding the identity of the reduction (tiles sized by `v`'s tile). */
  private open(key: number, v: number): number {
    const slot = this.n++;
    if (slot === this.keys.length) {
      const k = new Float64Array(slot * 2);
      k.set(this.keys);
      this.keys = k;
      const s = new Float64Array(slot * 2);
      s.set(this.sums);
      this.sums = s;
      const w = new Int32Array(slot * 2);
      w.set(this.where);
      this.where = w;
    }
    this.keys[slot] = key;
    this.sums[slot] = this.isMax ? -Infinity : 0;
    // sized by the first tile (rank-1 tiles hold N elements, rank-2 N x N)
    if (this.tiles !== null) this.tl[slot] = new Float64Array(this.tiles.get(v).length).fill(this.isMax ? -Infinity : 0);
    return slot;
  }
  get size(): number {
    return this.n;
  }
  /** Sorted keys and their sums (tile handles in block mode); clears the map. */
  drain(): [Float64Array, Float64Array] {
    const n = this.n;
    let keys: Float64Array;
    const vals = new Float64Array(n);
    if (this.m.size === 0 && n >= RADIX_MIN) {
      // Every key is a hashed integer below 2^31: a radix sort of the slots by key.
      const order = radixOrder(this.keys, n);
      keys = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const slot = order[i];
        keys[i] = this.keys[slot];
        vals[i] = this.tiles === null ? this.sums[slot] : this.tiles.add(this.tl[slot]);
      }
    } else if (this.m.size === 0 && n <= PACK_SLOTS) {
      // Few hashed integer keys below 2^31: sort key * 2^21 + slot (exact in a double) with the
      // native numeric sort, so each key comes with its slot and needs no lookup.
      const packed = new Float64Array(n);
      for (let slot = 0; slot < n; slot++) packed[slot] = this.keys[slot] * PACK_SLOTS + slot;
      packed.sort();
      keys = packed;
      for (let i = 0; i < n; i++) {
        const x = packed[i];
        const slot = x % PACK_SLOTS;
        keys[i] = (x - slot) / PACK_SLOTS;
        vals[i] = this.tiles === null ? this.sums[slot] : this.tiles.add(this.tl[slot]);
      }
    } else {
      keys = this.keys.slice(0, n).sort();
      for (let i = 0; i < n; i++) {
        const slot = this.find(keys[i]);
        vals[i] = this.tiles === null ? this.sums[slot] : this.tiles.add(this.tl[slot]);
      }
    }
    for (let slot = 0; slot < n; slot++) if (this.where[slot] >= 0) this.hk[this.where[slot]] = -1;
    this.m.clear();
    this.tl = [];
    this.n = 0;
    return [keys, vals];
  }
}
