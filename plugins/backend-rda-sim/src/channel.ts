import { showToken } from './tokens';

/** What a primitive needs from a channel (both engines implement it). */
export interface Chan {
  readonly id: number;
  /** tokens queued (pushed, not yet popped). */
  count: number;
  pushed: number;
  popped: number;
  /** sum over popped tokens of (pop time - time the token became visible): cycles tokens sat queued. */
  queued: number;
  /** capacity in tokens (Infinity = unbounded). */
  readonly depth: number;
  /** void channel: outputs nobody consumes (proto id 0). */
  readonly discard: boolean;
  tagAt(i: number): number;
  valAt(i: number): number;
  timeAt(i: number): number;
  push(tag: number, val: number, time: number): void;
  /** dequeue the head at the consumer's time `time` (recorded for backpressure). */
  pop(time: number): void;
  /** time the slot for the next push frees, or -1 if the channel is still full. */
  slotTime(): number;
  consumer: Waker | null;
  producer: Waker | null;
  readonly kind: string;
  /** who reads/writes it, for diagnostics. */
  label: string;
}

/** The scheduling hook of a node (the fast engine wakes blocked consumers on push). */
export interface Waker {
  blocked: boolean;
  wake(): void;
}

/**
 * Typed-array ring buffer channel of the fast engine: tag, payload and visible time per slot;
 * grows by doubling (unbounded) and records dequeue times for bounded backpressure.
 */
export class RingChannel implements Chan {
  count = 0;
  pushed = 0;
  popped = 0;
  queued = 0;
  consumer: Waker | null = null;
  producer: Waker | null = null;
  label = '';
  private head = 0;
  private mask: number;
  private tags: Uint8Array;
  private vals: Float64Array;
  private times: Float64Array;
  private deq: Float64Array | null;

  constructor(
    readonly id: number,
    readonly kind: string,
    readonly depth: number = Infinity,
    readonly discard = false,
  ) {
    let cap = 16;
    if (Number.isFinite(depth)) while (cap < depth) cap <<= 1;
    this.mask = cap - 1;
    this.tags = new Uint8Array(cap);
    this.vals = new Float64Array(cap);
    this.times = new Float64Array(cap);
    this.deq = Number.isFinite(depth) ? new Float64Array(depth) : null;
  }

  tagAt(i: number): number {
    return this.tags[(this.head + i) & this.mask];
  }
  valAt(i: number): number {
    return this.vals[(this.head + i) & this.mask];
  }
  timeAt(i: number): number {
    return this.times[(this.head + i) & this.mask];
  }

  push(tag: number, val: number, time: number): void {
    if (this.discard) return;
    if (this.count > this.mask) this.grow();
    const k = (this.head + this.count) & this.mask;
    this.tags[k] = tag;
    this.vals[k] = val;
    this.times[k] = time;
    this.count++;
    this.pushed++;
    const c = this.consumer;
    if (c !== null && c.blocked) c.wake();
  }

  pop(time: number): void {
    if (this.deq !== null) {
      this.deq[this.popped % this.depth] = time;
      const p = this.producer;
      if (p !== null && p.blocked) p.wake();
    }
    this.queued += time - this.times[this.head];
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.popped++;
  }

  slotTime(): number {
    if (this.deq === null) return 0;
    const j = this.pushed - this.depth;
    if (j < 0) return 0;
    if (j >= this.popped) return -1;
    return this.deq[j % this.depth];
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    this.tags = this.unwrap(this.tags, new Uint8Array(cap));
    this.vals = this.unwrap(this.vals, new Float64Array(cap));
    this.times = this.unwrap(this.times, new Float64Array(cap));
    this.head = 0;
    this.mask = cap - 1;
  }

  /** Copies the (full) ring `a` into the front of `b`, oldest first: two block copies. */
  private unwrap<T extends Uint8Array | Float64Array>(a: T, b: T): T {
    const h = this.head;
    b.set(a.subarray(h));
    b.set(a.subarray(0, h), a.length - h);
    return b;
  }
}

interface Elem {
  tag: number;
  val: number;
  time: number;
}

/**
 * Plain array-of-objects channel of the reference engine: deliberately naive (shift-free head
 * index, one object per token) so it shares no buffer logic with RingChannel.
 */
export class ArrayChannel implements Chan {
  pushed = 0;
  popped = 0;
  queued = 0;
  consumer: Waker | null = null;
  producer: Waker | null = null;
  label = '';
  private q: Elem[] = [];
  private deqTimes: number[] = [];

  constructor(
    readonly id: number,
    readonly kind: string,
    readonly depth: number = Infinity,
    readonly discard = false,
  ) {}

  get count(): number {
    return this.pushed - this.popped;
  }
  set count(_v: number) {
    throw new Error('ArrayChannel.count is derived');
  }
  private at(i: number): Elem {
    return this.q[this.popped + i];
  }
  tagAt(i: number): number {
    return this.at(i).tag;
  }
  valAt(i: number): number {
    return this.at(i).val;
  }
  timeAt(i: number): number {
    return this.at(i).time;
  }
  push(tag: number, val: number, time: number): void {
    if (this.discard) return;
    this.q.push({ tag, val, time });
    this.pushed++;
  }
  pop(time: number): void {
    if (this.count <= 0) throw new Error(`pop from empty channel ${this.id}`);
    this.deqTimes.push(time);
    this.queued += time - this.at(0).time;
    this.popped++;
  }
  slotTime(): number {
    if (!Number.isFinite(this.depth)) return 0;
    const j = this.pushed - this.depth;
    if (j < 0) return 0;
    if (j >= this.popped) return -1;
    return this.deqTimes[j];
  }
}

/** First `n` queued tokens of a channel, SAM-spelled, for deadlock/budget diagnostics. */
export function peekTokens(c: Chan, n = 6): string {
  const k = Math.min(n, c.count);
  const out: string[] = [];
  for (let i = 0; i < k; i++) out.push(showToken(c.tagAt(i), c.valAt(i), c.kind === 'repsig'));
  return `[${out.join(' ')}${c.count > k ? ` …+${c.count - k}` : ''}]`;
}
