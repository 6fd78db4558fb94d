import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { FINISHED, OK, Prim, after, live } from './base';
import type { TileStore } from './tiles';

/** Growable token log of a writer (tags + payloads). */
export class TokenLog {
  tags = new Uint8Array(64);
  vals = new Float64Array(64);
  n = 0;
  add(tag: number, v: number): void {
    if (this.n === this.tags.length) {
      const t = new Uint8Array(this.n * 2);
      t.set(this.tags);
      const w = new Float64Array(this.n * 2);
      w.set(this.vals);
      this.tags = t;
      this.vals = w;
    }
    this.tags[this.n] = tag;
    this.vals[this.n] = v;
    this.n++;
  }
}

/** Crd writer (records the level's stream for output assembly) and value writer. */
export class WriterPrim extends Prim {
  readonly log = new TokenLog();
  /** block mode: value writer keeps the tiles it received. */
  readonly tileLog: Float64Array[] = [];
  constructor(id: number, label: string, lat: number, ii: number, readonly isVal: boolean, readonly level: number, private tiles: TileStore | null, private inp: Chan) {
    super(id, label, isVal ? 'val_write' : 'crd_write', lat, ii);
  }
  fire(t: number, limit: number): number {
    if (this.tiles === null && this.hbm === null && this.runs(limit) && this.run(t) !== 0) return OK;
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    let cost = this.ii;
    if (tag === DONE) {
      this.commit(t, cost);
      this.done = true;
      this.finish = this.now;
      return FINISHED;
    }
    if (this.isVal) {
      if (tag === VAL) {
        const tl = this.tiles;
        if (tl === null) this.log.add(VAL, v);
        else {
          this.tileLog.push(tl.get(v));
          this.log.add(VAL, this.tileLog.length - 1);
        }
        this.writes += tl === null ? 1 : tl.get(v).length;
      } else if (tag === EMPTY) this.log.add(EMPTY, 0); // positional placeholder of an absent entry
    } else {
      this.log.add(tag, v);
      this.writes++;
    }
    if (this.hbm !== null && (tag === VAL || (tag === STOP && !this.isVal))) {
      const ready = this.hbm.access(t, this.tiles === null || !this.isVal ? 1 : this.tiles.n * this.tiles.n);
      if (ready - t > cost) cost = ready - t;
    }
    return this.commit(t, cost);
  }
  /** Scalar tokens up to Done (no HBM), logged one step each as in fire() (a value writer keeps no stops). */
  private run(t: number): number {
    const { inp, log, ii, isVal } = this;
    let k = 0;
    for (; live(inp); k++, t += ii) {
      t = after(inp, t);
      const tag = inp.tagAt(0);
      const v = inp.valAt(0);
      inp.pop(t);
      if (isVal && tag === STOP) continue;
      log.add(tag, isVal && tag === EMPTY ? 0 : v);
      if (tag !== EMPTY || !isVal) this.writes++;
    }
    return this.ran(t, k, ii);
  }
}
