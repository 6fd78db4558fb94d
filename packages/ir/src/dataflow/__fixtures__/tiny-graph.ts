import { DataflowGraphBuilder } from '../builder';

/** root -> scan(A, level 0) -> array -> val_write, crd -> crd_write. */
export function tinyScanGraph() {
  const b = new DataflowGraphBuilder('tiny');
  b.tensor({ name: 'A', shape: [4], format: { levels: ['compressed'], modeOrder: [0] }, role: 'input' });
  b.tensor({ name: 'Y', shape: [4], format: { levels: ['compressed'], modeOrder: [0] }, role: 'output' });
  const r = b.add('root', 'root');
  const s = b.add('level_scan', 'scanA', { tensor: 'A', level: 0 });
  const a = b.add('array', 'valsA', { tensor: 'A' });
  const wc = b.add('crd_write', 'wc', { level: 0 });
  const wv = b.add('val_write', 'wv');
  b.connect(b.out(r, 'ref'), b.out(s, 'ref'), 'ref');
  b.connect(b.out(s, 'ref'), b.out(a, 'ref'), 'ref');
  b.connect(b.out(s, 'crd'), b.out(wc, 'crd'), 'crd');
  b.connect(b.out(a, 'val'), b.out(wv, 'val'), 'val');
  return b.build({ tensor: 'Y', shape: [4], modeOrder: [0] });
}
