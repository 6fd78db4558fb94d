import { verifyDataflowGraph, primitiveSignature, programFromStatement } from '@fuseflow/ir';
import { FuseFlowError } from '@fuseflow/kernel';
import { graphStats, lowerStatement } from './index';
import { KERNELS, kernelProgram } from './__fixtures__/kernels';
import plugin, { LowerSamPass } from './plugin';

/*
 * Primitive counts of textbook kernels (checked by hand against the SAM construction):
 * one scanner per tensor level visited, a repeat(+repsig) per level an operand lacks, one joiner per
 * co-iterated level, locate instead of a scanner for a dense level under a root, reduce for an
 * innermost reduction, spacc1/spacc2 one/two levels up, crd_drop above levels that may be empty.
 */
const EXPECTED: Array<[string, string[], boolean, Record<string, number>]> = [
  ['spmv', ['i', 'j'], true, { root: 1, level_scan: 2, locate: 1, array: 2, alu: 1, reduce: 1, crd_write: 1, val_write: 1 }],
  ['spmv', ['i', 'j'], false, { root: 2, level_scan: 3, repsig: 1, repeat: 1, intersect: 1, array: 2, alu: 1, reduce: 1, crd_write: 1, val_write: 1, broadcast: 1 }],
  ['spmspm', ['i', 'k', 'j'], true, { root: 2, level_scan: 4, repsig: 2, repeat: 2, intersect: 1, array: 2, alu: 1, spacc1: 1, crd_drop: 1, crd_write: 2, val_write: 1, broadcast: 2 }],
  ['spmspm-csr-csc', ['i', 'j', 'k'], true, { root: 2, level_scan: 4, repsig: 2, repeat: 2, intersect: 1, array: 2, alu: 1, reduce: 1, crd_write: 2, val_write: 1, broadcast: 2 }],
  ['sddmm', ['i', 'k', 'j'], true, { root: 1, level_scan: 4, locate: 2, repsig: 2, repeat: 2, intersect: 1, array: 3, alu: 2, spacc1: 1, crd_drop: 1, crd_write: 2, val_write: 1, broadcast: 2 }],
  ['add2', ['i', 'j'], true, { root: 2, level_scan: 4, union: 2, array: 2, alu: 1, crd_drop: 1, crd_write: 2, val_write: 1 }],
  ['mul3', ['i', 'j'], true, { root: 3, level_scan: 6, intersect: 2, array: 3, alu: 2, crd_drop: 1, crd_write: 2, val_write: 1 }],
  ['ttv', ['i', 'j', 'k'], true, { root: 1, level_scan: 3, locate: 1, array: 2, alu: 1, reduce: 1, crd_drop: 1, crd_write: 2, val_write: 1 }],
  ['mttkrp', ['i', 'k', 'l', 'j'], true, { root: 1, level_scan: 5, locate: 2, repsig: 2, repeat: 2, intersect: 1, array: 3, alu: 2, spacc1: 2, crd_drop: 1, crd_write: 2, val_write: 1, broadcast: 2 }],
  // exp(S) is computed once and broadcast to the row sum and the division (share.ts); recompute: share.spec.ts
  ['softmax', ['i', 'k', 'j'], true, { root: 1, level_scan: 2, array: 1, alu: 2, reduce: 1, repsig: 1, repeat: 1, crd_drop: 1, crd_write: 2, val_write: 1, broadcast: 2 }],
  ['relu', ['i', 'j'], true, { root: 1, level_scan: 2, array: 1, alu: 1, crd_drop: 1, crd_write: 2, val_write: 1 }],
];

describe('graph structure of textbook kernels', () => {
  for (const [name, order, locate, counts] of EXPECTED) {
    it(`${name} ${order.join('')} locate=${locate}`, () => {
      const p = kernelProgram(KERNELS.find((k) => k.name === name)!);
      const g = lowerStatement(p.statements[0], p, { loopOrder: order, locate });
      verifyDataflowGraph(g);
      const s = graphStats(g);
      const { nodes, channels, ...kinds } = s;
      expect(kinds).toEqual(counts);
      expect(nodes).toBe(g.nodes.length);
      // every channel is single-consumer and its kind matches both port signatures
      for (const c of g.channels) {
        const src = g.nodes.find((n) => n.id === c.src.node)!;
        const dst = g.nodes.find((n) => n.id === c.dst.node)!;
        expect(src.outputs[c.src.port]).toBe(c.id);
        expect(dst.inputs[c.dst.port]).toBe(c.id);
        const inSpec = primitiveSignature(dst).inputs.find((x) => x.name === c.dst.port)!;
        if (Array.isArray(inSpec.kinds)) expect(inSpec.kinds).toContain(c.kind);
      }
      expect(channels).toBe(g.channels.length);
      expect(g.output.modeOrder).toEqual(p.statements[0].lhs.indices.map((_, m) => m));
    });
  }

  it('SpMSpM kij reduces the outermost index with a spacc2', () => {
    const p = kernelProgram({ name: 'kij', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csc', C: 'csr', X: 'dcsr' }, shapes: { B: [8, 6], C: [6, 7] } });
    const s = graphStats(lowerStatement(p.statements[0], p, { loopOrder: ['k', 'i', 'j'] }));
    expect(s.spacc2).toBe(1);
    expect(s.spacc1).toBeUndefined();
  });

  it('writes output levels in loop order and records the mode of each (jik writes j first)', () => {
    const p = kernelProgram({ name: 'jik', expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csc', X: 'dcsr' }, shapes: { B: [8, 6], C: [6, 7] } });
    const g = lowerStatement(p.statements[0], p, { loopOrder: ['j', 'i', 'k'] });
    expect(g.output.modeOrder).toEqual([1, 0]);
    const writers = g.nodes.filter((n) => n.kind === 'crd_write').sort((a, b) => a.attrs.level! - b.attrs.level!);
    expect(writers.map((w) => w.attrs.index)).toEqual(['j', 'i']);
  });

  it('rejects a loop order that contradicts a tensor level order, naming the tensor', () => {
    const p = kernelProgram(KERNELS.find((k) => k.name === 'spmspm')!);
    expect(() => lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] })).toThrow(FuseFlowError);
    expect(() => lowerStatement(p.statements[0], p, { loopOrder: ['i', 'j', 'k'] })).toThrow(/C\(k,j\) stores level 0 \('k'\) above level 1/);
    expect(() => lowerStatement(p.statements[0], p, { loopOrder: ['i', 'k'] })).toThrow(/misses index variable\(s\) j/);
  });

  it('marks block-mode contractions as tile matmuls', () => {
    const p = kernelProgram(KERNELS.find((k) => k.name === 'spmspm')!);
    const g = lowerStatement(p.statements[0], { ...p, schedule: { blocking: { size: 2 } } });
    expect(g.blockSize).toBe(2);
    expect(g.nodes.find((n) => n.kind === 'alu')!.attrs.matmul).toBe(true);
    expect(g.tensors.B.format.blockShape).toEqual([2, 2]);
    const add = kernelProgram(KERNELS.find((k) => k.name === 'mul2')!);
    const h = lowerStatement(add.statements[0], { ...add, schedule: { blocking: { size: 2 } } });
    expect(h.nodes.find((n) => n.kind === 'alu')!.attrs.matmul).toBeUndefined();
  });

  it('block mode: SDDMM multiplies Q by K^T first (tile spec over each operand\'s own modes), then masks', () => {
    const p = programFromStatement('S(i,j) = M(i,j) * Q(i,k) * K(j,k)', { M: 'dcsr', Q: 'dense', K: 'dense', S: 'dcsr' }, { M: [8, 8], Q: [8, 4], K: [8, 4] });
    const g = lowerStatement(p.statements[0], { ...p, schedule: { blocking: { size: 4 } } });
    const alus = g.nodes.filter((n) => n.kind === 'alu').map((n) => n.attrs as { matmul?: boolean; tile?: unknown });
    expect(alus).toEqual([
      expect.objectContaining({ matmul: true, tile: { a: ['i', 'k'], b: ['j', 'k'], out: ['i', 'j'] } }),
      expect.objectContaining({ tile: { a: ['i', 'j'], b: ['i', 'j'], out: ['i', 'j'] } }),
    ]);
    expect(alus[1].matmul).toBeUndefined();
  });

  it('block mode: SpMV is a tile matvec with rank-1 result tiles', () => {
    const p = programFromStatement('y(i) = A(i,j) * x(j)', { A: 'csr', x: 'dense', y: 'dense' }, { A: [8, 6] });
    const g = lowerStatement(p.statements[0], { ...p, schedule: { blocking: { size: 4 } } });
    expect((g.nodes.find((n) => n.kind === 'alu')!.attrs as { tile?: unknown }).tile).toEqual({ a: ['i', 'j'], b: ['j'], out: ['i'] });
    expect(g.tensors.y.format.blockShape).toEqual([4]);
  });

  it('block mode: a row sum / row max folds each tile over the reduced variable (reduce attrs.tile)', () => {
    for (const op of ['sum', 'max'] as const) {
      const p = programFromStatement(`y(i) = ${op}(j, A(i,j))`, { A: 'csr', y: 'dense' }, { A: [8, 6] });
      const g = lowerStatement(p.statements[0], { ...p, schedule: { blocking: { size: 4 } } });
      const red = g.nodes.filter((n) => n.kind === 'reduce');
      expect(red.map((n) => [n.attrs.reduce, (n.attrs as { tile?: unknown }).tile])).toEqual([[op, { a: ['i', 'j'], b: [], out: ['i'] }]]);
      expect(g.tensors.y.format.blockShape).toEqual([4]);
    }
  });

  it('block mode: values whose tiles cannot be formed fail early naming the tensor', () => {
    // a column sum in row order needs a sparse accumulator, which cannot fold tiles
    const col = programFromStatement('y(j) = A(i,j)', { A: 'csr', y: 'dense' }, { A: [8, 6] });
    expect(() => lowerStatement(col.statements[0], { ...col, schedule: { blocking: { size: 4 } } })).toThrow(/block mode: sum\(i\) reduces inside its tiles \(i,j -> j\).*only the reduce primitive/);
    const tr = programFromStatement('X(j,i) = A(i,j)', { A: 'dense', X: 'dense' }, { A: [8, 6] });
    expect(() => lowerStatement(tr.statements[0], { ...tr, schedule: { blocking: { size: 4 } } })).toThrow(FuseFlowError);
    expect(() => lowerStatement(tr.statements[0], { ...tr, schedule: { blocking: { size: 4 } } })).toThrow(/value tiles of X\(j,i\) come out over \(i,j\)/);
  });
});

describe('lower-sam pass plugin', () => {
  it('declares its contract and lowers a program module into one graph per group', () => {
    expect(plugin.id).toBe('lower-sam');
    expect(plugin.kind).toBe('pass');
    const p = kernelProgram(KERNELS.find((k) => k.name === 'spmv')!);
    const stats: Record<string, number> = {};
    const out = new LowerSamPass({ locate: false }).run({ stage: 'program', program: p, data: {} }, { stat: (k: string, v: number) => (stats[k] = v) } as never);
    expect(out.stage).toBe('dataflow');
    expect(out.graphs).toHaveLength(1);
    expect(out.graphs[0].nodes.some((n) => n.kind === 'locate')).toBe(false);
    expect(stats.nodes).toBe(out.graphs[0].nodes.length);
  });
});
