import { FuseFlowError } from '@fuseflow/kernel';
import { fromCoo, type DataflowGraph, type SparseTensorData, type TensorFormat } from '@fuseflow/ir';
import type { WriterPrim } from './primitives';
import { DONE, EMPTY, STOP, VAL } from './tokens';

function broken(g: DataflowGraph, msg: string): FuseFlowError {
  return new FuseFlowError('FF_INPUT_INVALID', `graph '${g.name}': output writers disagree: ${msg}`, {
    suggestion: 'the crd writers of consecutive levels and the value writer must carry one consistent fiber tree',
  });
}

/**
 * Builds the output tensor from the writers' token logs. Each level's stream is parsed as a
 * fiber tree driven by its parent level: a parent coordinate owns the next fiber (tokens up to a
 * stop); a parent stop right after another stop (an empty parent fiber) owns a standalone stop.
 * The leaf positions pair with the value stream, and the COO result is sorted by fromCoo, so
 * the order in which parallel lanes were joined does not matter.
 */
export function assembleOutput(g: DataflowGraph, writers: WriterPrim[], tileN: number): SparseTensorData {
  const out = g.output;
  const info = g.tensors[out.tensor];
  const format: TensorFormat = info?.format ?? { levels: out.shape.map(() => 'compressed' as const), modeOrder: out.modeOrder };
  const vw = writers.filter((w) => w.isVal);
  if (vw.length !== 1) throw broken(g, `expected exactly one val_write, found ${vw.length}`);
  const crdW = writers.filter((w) => !w.isVal);
  const rank = out.shape.length;
  if (crdW.length !== rank) throw broken(g, `output '${out.tensor}' has rank ${rank} but the graph has ${crdW.length} crd_write node(s)`);
  // Writers carry their storage level; unlabelled ones are taken in node order.
  const levels = crdW.map((w, i) => ({ w, level: w.level >= 0 ? w.level : i })).sort((a, b) => a.level - b.level);
  levels.forEach((l, i) => {
    if (l.level !== i) throw broken(g, `crd_write levels must be 0..${rank - 1}, got ${levels.map((x) => x.level).join(',')}`);
  });
  // crdOf[l][q], parentOf[l][q] for every position q of level l.
  const crdOf: number[][] = [];
  const parentOf: number[][] = [];
  let parentTags: Uint8Array | null = null;
  let parentN = 0;
  for (let l = 0; l < rank; l++) {
    const log = levels[l].w.log;
    const crd: number[] = [];
    const par: number[] = [];
    let i = 0;
    const ended = () => broken(g, `level ${l} stream ended early (${log.n} tokens)`);
    if (l === 0) {
      for (; i < log.n; i++) {
        if (log.tags[i] === VAL) {
          crd.push(log.vals[i]);
          par.push(0);
        }
      }
    } else {
      let pos = 0;
      let prevStop = true;
      for (let j = 0; j < parentN; j++) {
        const pt = parentTags![j];
        if (pt === VAL) {
          for (;;) {
            if (i >= log.n) throw ended();
            const tg = log.tags[i];
            const v = log.vals[i++];
            if (tg === VAL) {
              crd.push(v);
              par.push(pos);
            } else if (tg === STOP) break;
            else if (tg === DONE) throw broken(g, `level ${l} ended inside the fiber of level-${l - 1} position ${pos}`);
          }
          pos++;
          prevStop = false;
        } else if (pt === STOP) {
          if (prevStop) {
            if (i >= log.n) throw ended();
            const tg = log.tags[i++];
            if (tg !== STOP) throw broken(g, `level ${l} has a coordinate where level ${l - 1} has an empty fiber`);
          }
          prevStop = true;
        }
      }
    }
    crdOf.push(crd);
    parentOf.push(par);
    parentTags = log.tags.subarray(0, log.n);
    parentN = log.n;
  }
  const vals = vw[0].log;
  const leaves = rank === 0 ? 1 : crdOf[rank - 1].length;
  // With no coordinate at all, Empty values are a reduce's placeholders for the empty stream (its
  // lone stop reads like the end of one innermost fiber): the output is empty.
  const onlyPlaceholders = leaves === 0 && Array.from(vals.tags.subarray(0, vals.n)).every((t) => t === EMPTY);
  if (vals.n !== leaves && !onlyPlaceholders) throw broken(g, `${vals.n} value(s) written for ${leaves} output coordinate(s)`);
  // Coordinates of each leaf, by tensor mode.
  const coords: number[][] = out.shape.map(() => []);
  const v: number[] = [];
  const tile = tileN > 0 ? tileN : 1;
  for (let q = 0; q < leaves; q++) {
    const blockCrd = new Array<number>(rank);
    let p = q;
    for (let l = rank - 1; l >= 0; l--) {
      blockCrd[out.modeOrder[l]] = crdOf[l][p];
      p = parentOf[l][p];
    }
    if (vals.tags[q] === EMPTY) continue; // absent entry (its coordinate is dropped)
    if (tileN > 0) {
      // a tile is dense row-major over the output's modes (N per mode, rank 1 included)
      const t = vw[0].tileLog[vals.vals[q]];
      const len = tile ** rank;
      if (t.length !== len) throw broken(g, `a value tile has ${t.length} element(s), expected ${len} for the rank-${rank} output in ${tile}-blocks`);
      const elem = new Array<number>(rank);
      for (let e = 0; e < len; e++) {
        const x = t[e];
        if (x === 0) continue;
        let rest = e;
        let inside = true;
        for (let m = rank - 1; m >= 0; m--) {
          elem[m] = blockCrd[m] * tileN + (rest % tileN);
          rest = Math.floor(rest / tileN);
          if (elem[m] >= out.shape[m]) inside = false;
        }
        if (!inside) continue; // zero padding of an edge tile
        for (let m = 0; m < rank; m++) coords[m].push(elem[m]);
        v.push(x);
      }
    } else {
      for (let m = 0; m < rank; m++) coords[m].push(blockCrd[m]);
      v.push(vals.vals[q]);
    }
  }
  for (let m = 0; m < rank; m++) {
    for (const c of coords[m]) {
      if (!(c >= 0 && c < out.shape[m])) throw broken(g, `coordinate ${c} out of range for mode ${m} (extent ${out.shape[m]})`);
    }
  }
  return fromCoo(out.shape, coords, v, format, out.tensor);
}
