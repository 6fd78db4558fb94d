import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { OK, Prim, after, live } from './base';

/** Broadcast (every token to every output) and fork (values round-robin, stops/done to all). */
export class FanoutPrim extends Prim {
  private rr = 0;
  constructor(id: number, label: string, lat: number, ii: number, private isFork: boolean, private inp: Chan, private o: Chan[]) {
    super(id, label, isFork ? 'fork' : 'broadcast', lat, ii);
  }
  fire(t: number, limit: number): number {
    if (this.runs(limit) && this.run(t) !== 0) return OK;
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    const at = t + this.lat;
    if (this.isFork && (tag === VAL || tag === EMPTY)) {
      this.emit(this.o[this.rr], tag, v, at);
      this.rr = (this.rr + 1) % this.o.length;
    } else {
      for (let i = 0; i < this.o.length; i++) this.emit(this.o[i], tag, v, at);
      // Each fiber of the forked level is dealt from lane 0, so a join can rebuild it exactly.
      this.rr = 0;
    }
    return this.commit(t, this.ii);
  }
  /** The queued tokens up to Done, one step each as in fire() (round-robin lanes for a fork); returns the steps taken. */
  private run(t: number): number {
    const { inp, o, lat, ii, isFork } = this;
    let k = 0;
    for (; live(inp); k++, t += ii) {
      t = after(inp, t);
      const tag = inp.tagAt(0);
      const v = inp.valAt(0);
      inp.pop(t);
      if (isFork && (tag === VAL || tag === EMPTY)) {
        o[this.rr].push(tag, v, t + lat);
        this.rr = (this.rr + 1) % o.length;
      } else {
        for (const c of o) c.push(tag, v, t + lat);
        this.rr = 0;
      }
    }
    return this.ran(t, k, ii);
  }
}

/**
 * Join. Without attrs.level: Comal's Gather (lane by lane until a stop; a non-last lane's stop
 * becomes S0). With attrs.level = d (levels below the forked index in this stream): round-robin
 * over lanes, one item per turn - a value (d = 0) or a sub-fiber closed by S(d-1) (d > 0) - from
 * lane 0 at every fiber of the forked level (the fork deals the same way), skipping lanes whose
 * part of the fiber is over; the fiber's stop is emitted once, merged as in the unforked stream.
 * Without drops inside the lanes this rebuilds the unforked stream exactly. An empty sub-fiber
 * (d > 0) does not use a turn, so after a per-lane crd_drop (compacted crd streams, uncompacted
 * value streams) every join of the region still makes the same choices and the streams stay
 * consistent; the output assembler sorts the coordinates.
 */
export class GatherPrim extends Prim {
  private cur = 0;
  private finished: boolean[];
  private finLevel = -1;
  /** lanes whose part of the current fiber is complete (level-aware modes). */
  private nFinished = 0;
  private pending = -1;
  private hasTok = false;
  constructor(id: number, label: string, lat: number, ii: number, private lanes: Chan[], private out: Chan, private level: number | undefined = undefined) {
    super(id, label, 'join', lat, ii);
    this.finished = lanes.map(() => false);
  }
  fire(t: number, limit: number): number {
    if (this.level === undefined) return this.comal(t, limit);
    if (this.level === 0) return this.exact0(t, limit);
    return this.exactD(t, limit, this.level);
  }
  private flush(at: number): void {
    if (this.pending >= 0) {
      this.emit(this.out, STOP, this.pending, at);
      this.pending = -1;
    }
  }
  private exact0(t: number, limit: number): number {
    const n = this.lanes.length;
    if (this.nFinished < n) {
      while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
      const c = this.lanes[this.cur];
      const x = this.look1(c, t, limit);
      if (x < 0) return this.blockedCode(x);
      t = x;
      const tag = c.tagAt(0);
      if (tag === VAL || tag === EMPTY) {
        this.emit(this.out, tag, c.valAt(0), t + this.lat);
        this.pop(c, t);
        this.cur = (this.cur + 1) % n;
        return this.commit(t, this.ii);
      }
      // This lane has no more values in the fiber: skip it from now on.
      this.finished[this.cur] = true;
      this.nFinished++;
      this.cur = (this.cur + 1) % n;
      return this.commit(t, 0);
    }
    // Every lane shows the fiber's stop (or Done), broadcast by the fork: emit it once.
    const c0 = this.lanes[0];
    for (let i = 0; i < n; i++) {
      const l = this.lanes[i];
      if (l.tagAt(0) !== c0.tagAt(0) || l.valAt(0) !== c0.valAt(0)) this.protocol(`lanes end a fiber differently (lane 0 vs lane ${i})`, l);
      if (l.timeAt(0) > t) t = l.timeAt(0);
    }
    const tag = c0.tagAt(0);
    const v = c0.valAt(0);
    for (let i = 0; i < n; i++) this.pop(this.lanes[i], t);
    this.finished.fill(false);
    this.nFinished = 0;
    this.cur = 0;
    if (tag === DONE) return this.finishAll(t);
    this.emit(this.out, STOP, v, t + this.lat);
    return this.commit(t, this.ii);
  }
  private exactD(t: number, limit: number, d: number): number {
    const n = this.lanes.length;
    if (this.nFinished === n) {
      // Every lane finished this fiber: its closing stop absorbs the last sub-fiber's S(d-1).
      if (this.pending >= d) this.flush(t + this.lat);
      this.pending = this.finLevel;
      this.finished.fill(false);
      this.nFinished = 0;
      this.cur = 0;
      return this.commit(t, 0);
    }
    while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
    const c = this.lanes[this.cur];
    const x = this.look1(c, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const at = t + this.lat;
    const tag = c.tagAt(0);
    const v = c.valAt(0);
    if (tag === VAL || tag === EMPTY) {
      this.flush(at);
      this.emit(this.out, tag, v, at);
      this.pop(c, t);
      this.hasTok = true;
      return this.commit(t, this.ii);
    }
    if (tag === DONE) {
      if (this.nFinished > 0 || this.hasTok) this.protocol(`lane ${this.cur} ended while other lanes are inside a fiber`, c);
      for (let i = 0; i < n; i++) {
        const y = this.look1(this.lanes[i], t, limit);
        if (y < 0) return this.blockedCode(y);
        t = y;
        if (this.lanes[i].tagAt(0) !== DONE) this.protocol(`lane ${this.cur} is done but lane ${i} is not`, this.lanes[i]);
      }
      for (let i = 0; i < n; i++) this.pop(this.lanes[i], t);
      this.flush(t + this.lat);
      return this.finishAll(t);
    }
    this.pop(c, t);
    if (v < d - 1) {
      // A stop inside the sub-fiber: stay on this lane.
      this.flush(at);
      this.emit(this.out, STOP, v, at);
      return this.commit(t, this.ii);
    }
    if (v === d - 1) {
      this.flush(at);
      this.pending = d - 1;
      // An empty sub-fiber (an item a crd_drop removed from the sibling crd streams) is kept in
      // place but does not use the lane's turn, so every join of the region stays in step.
      if (!this.hasTok) return this.commit(t, this.ii);
    } else {
      // Higher stop: this lane's part of the fiber is over (closing its last sub-fiber if any).
      if (this.hasTok) {
        this.flush(at);
        this.pending = d - 1;
      }
      this.finLevel = v;
      this.finished[this.cur] = true;
      this.nFinished++;
    }
    this.hasTok = false;
    this.cur = (this.cur + 1) % n;
    return this.commit(t, this.ii);
  }
  private comal(t: number, limit: number): number {
    const n = this.lanes.length;
    while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
    const c = this.lanes[this.cur];
    const x = this.look1(c, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = c.tagAt(0);
    const v = c.valAt(0);
    this.pop(c, t);
    const at = t + this.lat;
    if (tag === DONE) {
      this.finished[this.cur] = true;
      if (this.finished.every(Boolean)) return this.finishAll(t);
      this.cur = (this.cur + 1) % n;
      return this.commit(t, this.ii);
    }
    if (tag === STOP) {
      const lastLane = this.cur === n - 1 || this.finished.slice(this.cur + 1).every(Boolean);
      this.emit(this.out, STOP, lastLane ? v : 0, at);
      this.cur = (this.cur + 1) % n;
    } else this.emit(this.out, tag, v, at);
    return this.commit(t, this.ii);
  }
}
