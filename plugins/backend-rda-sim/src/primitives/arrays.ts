import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { OK, Prim, after, live } from './base';
import type { TileStore } from './tiles';

/** Value load: vals[ref]; an Empty ref (absent operand) stays Empty, so presence reaches the ALUs. */
export class ArrayPrim extends Prim {
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private vals: Float64Array,
    private tiles: TileStore | null,
    private inp: Chan,
    private out: Chan,
    /** block mode: elements per stored tile (prod of the tensor's blockShape: N, N x N, ...). */
    private tileLen = tiles === null ? 1 : tiles.n * tiles.n,
  ) {
    super(id, label, 'array', lat, ii);
  }
  fire(t: number, limit: number): number {
    if (this.tiles === null && this.hbm === null && this.runs(limit) && this.run(t) !== 0) return OK;
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const r = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    let cost = this.ii;
    if (tag === VAL) {
      const tl = this.tiles;
      let v: number;
      if (tl === null) {
        v = this.vals[r];
        this.reads++;
      } else {
        const n2 = this.tileLen;
        v = tl.add(this.vals.subarray(r * n2, (r + 1) * n2));
        this.reads += n2;
      }
      if (this.hbm !== null) {
        const ready = this.hbm.access(t, tl === null ? 1 : this.tileLen);
        if (ready - t > cost) cost = ready - t;
      }
      this.emit(this.out, VAL, v, t + this.lat);
    } else if (tag === EMPTY) this.emit(this.out, EMPTY, 0, t + this.lat);
    else this.emit(this.out, STOP, r, t + this.lat);
    return this.commit(t, cost);
  }
  /** Scalar loads of the queued refs up to Done (no HBM), one step each as in fire(). */
  private run(t: number): number {
    const { inp, out, vals, lat, ii } = this;
    let k = 0;
    for (; live(inp); k++, t += ii) {
      t = after(inp, t);
      const tag = inp.tagAt(0);
      const r = inp.valAt(0);
      inp.pop(t);
      if (tag === VAL) {
        out.push(VAL, vals[r], t + lat);
        this.reads++;
      } else out.push(tag, tag === EMPTY ? 0 : r, t + lat);
    }
    return this.ran(t, k, ii);
  }
}
