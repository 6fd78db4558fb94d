import { DataflowGraphBuilder } from './builder';
import { dataflowToDot } from './dot';
import { primitiveSignature } from './ports';
import { verifyDataflowGraph } from './verify';

/** root -> scan(A, level 0) -> array -> val_write, crd -> crd_write. */
function tiny() {
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

describe('dataflow graph helpers', () => {
  it('builds a graph that verifies and exports to DOT', () => {
    const g = tiny();
    expect(() => verifyDataflowGraph(g)).not.toThrow();
    const dot = dataflowToDot(g);
    expect(dot).toContain('n2 [label="scanA\\nlevel_scan\\nA L0"');
    expect(dot).toContain('color=blue');
  });
  it('reports an unwired required input by node and port', () => {
    const g = tiny();
    const w = g.nodes.find((n) => n.kind === 'val_write')!;
    g.channels = g.channels.filter((c) => c.dst.node !== w.id);
    g.nodes.find((n) => n.kind === 'array')!.outputs = {};
    w.inputs = {};
    expect(() => verifyDataflowGraph(g)).toThrow(/wv' \(val_write\): input port 'val' is not connected/);
  });
  it('reports an undeclared tensor and an unknown ALU op with a suggestion', () => {
    const g = tiny();
    g.nodes[1].attrs.tensor = 'B';
    expect(() => verifyDataflowGraph(g)).toThrow(/tensor 'B' is not declared/);
    const b = new DataflowGraphBuilder('x');
    b.add('alu', 'f', { alu: 'exq' as never });
    try {
      verifyDataflowGraph(b.build({ tensor: 'Y', shape: [], modeOrder: [] }));
      throw new Error('accepted');
    } catch (e) {
      expect((e as { suggestion?: string }).suggestion).toMatch(/exp/);
    }
  });
  it('signatures follow the arity and the ALU op', () => {
    expect(primitiveSignature({ kind: 'intersect', attrs: { arity: 3 } }).inputs.map((p) => p.name)).toEqual(['crd0', 'crd1', 'crd2', 'ref0', 'ref1', 'ref2']);
    expect(primitiveSignature({ kind: 'alu', attrs: { alu: 'exp' } }).inputs).toHaveLength(1);
    expect(primitiveSignature({ kind: 'alu', attrs: { alu: 'max' } }).inputs).toHaveLength(2);
  });
});
