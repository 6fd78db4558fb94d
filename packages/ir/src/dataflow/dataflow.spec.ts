import { DataflowGraphBuilder } from './builder';
import { dataflowToDot } from './dot';
import { primitiveSignature } from './ports';
import { verifyDataflowGraph } from './verify';
import { tinyScanGraph } from './__fixtures__/tiny-graph';

describe('dataflow graph helpers', () => {
  it('builds a graph that verifies and exports to DOT', () => {
    const g = tinyScanGraph();
    expect(() => verifyDataflowGraph(g)).not.toThrow();
    const dot = dataflowToDot(g);
    expect(dot).toContain('n2 [label="scanA\\nlevel_scan\\nA L0"');
    expect(dot).toContain('color=blue');
  });
  it('reports an unwired required input by node and port', () => {
    const g = tinyScanGraph();
    const w = g.nodes.find((n) => n.kind === 'val_write')!;
    g.channels = g.channels.filter((c) => c.dst.node !== w.id);
    g.nodes.find((n) => n.kind === 'array')!.outputs = {};
    w.inputs = {};
    expect(() => verifyDataflowGraph(g)).toThrow(/wv' \(val_write\): input port 'val' is not connected/);
  });
  it('reports an undeclared tensor and an unknown ALU op with a suggestion', () => {
    const g = tinyScanGraph();
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
