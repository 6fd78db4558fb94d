import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import type { DfTensorInfo, LevelStorage, SparseTensorData, TensorBindings } from '@fuseflow/ir';

/**
 * Comal/SAM data-file layout: one number per line in `tensor_<T>_mode_<l>_seg`,
 * `tensor_<T>_mode_<l>_crd` (compressed levels), `tensor_<T>_mode_shape` (level sizes; dense
 * levels read shape[l]) and `tensor_<T>_mode_vals`. Levels are written in storage order, so
 * a non-identity mode order is kept by the caller's tensor declaration.
 */
export function writeDataFiles(dir: string, name: string, t: SparseTensorData): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (suffix: string, xs: ArrayLike<number>) => {
    const f = path.join(dir, `tensor_${name}_mode_${suffix}`);
    fs.writeFileSync(f, Array.from(xs).join('\n') + (xs.length ? '\n' : ''));
    files.push(f);
  };
  t.levels.forEach((lv, l) => {
    if (lv.format === 'dense') return;
    if (lv.format === 'singleton') throw new FuseFlowError('FF_INPUT_INVALID', `tensor ${name}: singleton level ${l} has no seg/crd file layout; convert to compressed first`);
    put(`${l}_seg`, lv.pos!);
    put(`${l}_crd`, lv.crd!);
  });
  put('shape', t.levels.map((lv) => lv.size));
  put('vals', t.vals);
  return files;
}

function readNums(f: string): number[] {
  const text = fs.readFileSync(f, 'utf8');
  const out: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (!s) return;
    const v = Number(s);
    if (!Number.isFinite(v)) throw new FuseFlowError('FF_INPUT_INVALID', `${f}:${i + 1}: '${s}' is not a number`);
    out.push(v);
  });
  return out;
}

/**
 * Reads every tensor of a data directory in the Comal layout. A level is compressed when its
 * seg/crd files exist, dense otherwise; tensors are returned in identity mode order unless
 * `modeOrders[T]` says how the levels map to modes.
 */
export function readDataDir(dir: string, modeOrders: Record<string, number[]> = {}): { data: TensorBindings; tensors: Record<string, DfTensorInfo> } {
  if (!fs.existsSync(dir)) throw new FuseFlowError('FF_INPUT_INVALID', `data directory ${dir} does not exist`);
  const names = new Set<string>();
  for (const f of fs.readdirSync(dir)) {
    const m = /^tensor_(.+)_mode_shape$/.exec(f);
    if (m) names.add(m[1]);
  }
  const data: TensorBindings = {};
  const tensors: Record<string, DfTensorInfo> = {};
  for (const T of names) {
    const file = (s: string) => path.join(dir, `tensor_${T}_mode_${s}`);
    const sizes = readNums(file('shape'));
    const levels: LevelStorage[] = [];
    let parents = 1;
    sizes.forEach((size, l) => {
      if (fs.existsSync(file(`${l}_seg`))) {
        const pos = Int32Array.from(readNums(file(`${l}_seg`)));
        const crd = Int32Array.from(readNums(file(`${l}_crd`)));
        if (pos.length !== parents + 1) throw new FuseFlowError('FF_INPUT_INVALID', `${file(`${l}_seg`)}: ${pos.length} entries, expected ${parents + 1}`);
        if (crd.length !== pos[parents]) throw new FuseFlowError('FF_INPUT_INVALID', `${file(`${l}_crd`)}: ${crd.length} entries, seg ends at ${pos[parents]}`);
        levels.push({ format: 'compressed', size, pos, crd });
        parents = crd.length;
      } else {
        levels.push({ format: 'dense', size });
        parents *= size;
      }
    });
    const vals = Float64Array.from(fs.existsSync(file('vals')) ? readNums(file('vals')) : []);
    if (vals.length !== parents) throw new FuseFlowError('FF_INPUT_INVALID', `${file('vals')}: ${vals.length} values for ${parents} positions`);
    const modeOrder = modeOrders[T] ?? sizes.map((_, l) => l);
    const shape = new Array<number>(sizes.length);
    modeOrder.forEach((m, l) => (shape[m] = sizes[l]));
    const format = { levels: levels.map((l) => l.format), modeOrder };
    data[T] = { name: T, shape, format, levels, vals };
    tensors[T] = { name: T, shape, format, role: 'input' };
  }
  return { data, tensors };
}
