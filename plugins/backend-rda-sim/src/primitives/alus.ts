import type { AluOp } from '@fuseflow/ir';
import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL, showToken } from '../tokens';
import { OK, Prim, after, live } from './base';
import { binaryFn, unaryFn } from './ops';
import { tileBinary, tileEinsum, type TilePlan, type TileStore } from './tiles';

/** Whether a binary ALU emits Empty: policy 0 union, 1 intersect, 2 left, 3 right (build.ts maps aluEmptyPolicy to these). */
function absentOut(pol: number, aEmpty: boolean, bEmpty: boolean): boolean {
  return pol === 0 ? aEmpty && bEmpty : pol === 1 ? aEmpty || bEmpty : pol === 2 ? aEmpty : bEmpty;
}

/** ALU: binary ops on aligned streams (Empty reads as 0) or unary ops on one stream. */
export class AluPrim extends Prim {
  private bin: ((a: number, b: number) => number) | null = null;
  private un: ((x: number) => number) | null = null;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private op: AluOp,
    scalar: number,
    private matmul: boolean,
    private tiles: TileStore | null,
    private a: Chan,
    private b: Chan | null,
    private out: Chan,
    /** 0 union, 1 intersect, 2 left, 3 right (see NodeAttrs.empty). */
    private policy = 0,
    /** block mode: tile variables of the operands (null: N x N element-wise or matmul). */
    private plan: TilePlan | null = null,
  ) {
    super(id, label, 'alu', lat, ii);
    if (b) this.bin = binaryFn(op);
    else this.un = unaryFn(op, scalar);
  }
  fire(t: number, limit: number): number {
    if (this.tiles === null && this.runs(limit) && this.run(t) !== 0) return OK;
    let x = this.look1(this.a, t, limit);
    if (x < 0) return this.blockedCode(x);
    const b = this.b;
    if (b !== null) {
      x = this.look1(b, x, limit);
      if (x < 0) return this.blockedCode(x);
    }
    t = x;
    const at = this.a.tagAt(0);
    const av = this.a.valAt(0);
    const at2 = t + this.lat;
    if (b === null) {
      this.pop(this.a, t);
      if (at === DONE) return this.finishAll(t);
      if (at === VAL) {
        const tl = this.tiles;
        if (tl === null) this.emit(this.out, VAL, this.un!(av), at2);
        else {
          const src = tl.get(av);
          const o = new Float64Array(src.length);
          for (let i = 0; i < o.length; i++) o[i] = this.un!(src[i]);
          this.emit(this.out, VAL, tl.add(o), at2);
        }
        this.ops += this.tiles === null ? 1 : this.tiles.n * this.tiles.n;
      } else this.emit(this.out, at, av, at2);
      return this.commit(t, this.ii);
    }
    const bt = b.tagAt(0);
    const bv = b.valAt(0);
    if ((at === EMPTY && bt === STOP) || (at === STOP && bt === EMPTY)) {
      // A reduce placeholder: the other operand shows that the fiber it stands for is absent.
      this.pop(at === EMPTY ? this.a : b, t);
      return this.commit(t, this.ii);
    }
    if ((at === VAL || at === EMPTY) && (bt === VAL || bt === EMPTY)) {
      this.pop(this.a, t);
      this.pop(b, t);
      const pol = this.policy;
      if (absentOut(pol, at === EMPTY, bt === EMPTY)) this.emit(this.out, EMPTY, 0, at2);
      else {
        const tl = this.tiles;
        if (tl === null) {
          this.emit(this.out, VAL, this.bin!(at === VAL ? av : 0, bt === VAL ? bv : 0), at2);
          this.ops++;
        } else {
          const n = tl.n;
          const pl = this.plan;
          if (pl !== null) {
            const r = tileEinsum(this.op, pl, tl.get(at === VAL ? av : -1, pl.lenA), tl.get(bt === VAL ? bv : -1, pl.lenB), n);
            this.emit(this.out, VAL, tl.add(r), at2);
            this.ops += pl.nOut === n ** pl.loops ? pl.nOut : 2 * n ** pl.loops;
          } else {
            const r = tileBinary(this.op, this.matmul, tl.get(at === VAL ? av : -1), tl.get(bt === VAL ? bv : -1), n);
            this.emit(this.out, VAL, tl.add(r), at2);
            this.ops += this.op === 'mul' && this.matmul ? 2 * n * n * n : n * n;
          }
        }
      }
      return this.commit(t, this.ii);
    }
    if (at === STOP && bt === STOP) {
      if (av !== bv) this.protocol(`operands have different stop structure (S${av} vs S${bv})`);
      this.pop(this.a, t);
      this.pop(b, t);
      this.emit(this.out, STOP, av, at2);
      return this.commit(t, this.ii);
    }
    if (at === DONE && bt === DONE) {
      this.pop(this.a, t);
      this.pop(b, t);
      return this.finishAll(t);
    }
    this.protocol(`operands are misaligned (a=${showToken(at, av)}, b=${showToken(bt, bv)})`);
  }
  /**
   * Scalar values and matching stops in a row, one step each as in fire(); anything else (Done,
   * placeholders, misalignment) is left to fire(). Returns the steps taken.
   */
  private run(t: number): number {
    const { a, b, out, lat, ii } = this;
    let k = 0;
    if (b === null) {
      const f = this.un!;
      for (; live(a); k++, t += ii) {
        t = after(a, t);
        const at = a.tagAt(0);
        const av = a.valAt(0);
        a.pop(t);
        if (at === VAL) {
          out.push(VAL, f(av), t + lat);
          this.ops++;
        } else out.push(at, av, t + lat);
      }
      return this.ran(t, k, ii);
    }
    const f = this.bin!;
    const pol = this.policy;
    for (; a.count !== 0 && b.count !== 0; k++, t += ii) {
      const at = a.tagAt(0);
      const bt = b.tagAt(0);
      const av = a.valAt(0);
      const bv = b.valAt(0);
      const values = (at === VAL || at === EMPTY) && (bt === VAL || bt === EMPTY);
      if (!values && !(at === STOP && bt === STOP && av === bv)) break;
      t = after(b, after(a, t));
      a.pop(t);
      b.pop(t);
      if (!values) out.push(STOP, av, t + lat);
      else if (absentOut(pol, at === EMPTY, bt === EMPTY)) out.push(EMPTY, 0, t + lat);
      else {
        out.push(VAL, f(at === VAL ? av : 0, bt === VAL ? bv : 0), t + lat);
        this.ops++;
      }
    }
    return this.ran(t, k, ii);
  }
}
