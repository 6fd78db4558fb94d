import { errorOf, resolvePluginOptions } from '@fuseflow/kernel';
import { fromDense, type Expr, type ProgramModule, type TensorDecl, type TensorProgram } from '@fuseflow/ir';
import plugin, { FusionPass, fuseProgram, fusionCandidates, bestCandidate } from './index';

const acc = (tensor: string, idx: string): Expr => ({ kind: 'access', tensor, indices: idx.split('') });
const mul = (lhs: Expr, rhs: Expr): Expr => ({ kind: 'binary', op: 'mul', lhs, rhs });
const d = (name: string, shape: number[], role: TensorDecl['role'], sparse = false): TensorDecl => ({
  name,
  shape,
  role,
  format: { levels: shape.map(() => (sparse ? 'compressed' : 'dense')), modeOrder: shape.map((_, i) => i) },
});

/** GCN with bias and a softmax-free second layer, one statement per op. */
function gcn(n: number, f: number, h: number, c: number): TensorProgram {
  return {
    name: 'gcn',
    tensors: {
      A: d('A', [n, n], 'input', true),
      X: d('X', [n, f], 'input'),
      W1: d('W1', [f, h], 'input', true),
      b1: d('b1', [h], 'input'),
      W2: d('W2', [h, c], 'input', true),
      T1: d('T1', [n, f], 'intermediate'),
      T2: d('T2', [n, h], 'intermediate'),
      H: d('H', [n, h], 'intermediate'),
      T3: d('T3', [n, h], 'intermediate'),
      Z: d('Z', [n, c], 'output'),
    },
    statements: [
      { name: 'adj1', lhs: { tensor: 'T1', indices: ['i', 'f'] }, rhs: mul(acc('A', 'ik'), acc('X', 'kf')) },
      { name: 'lin1', lhs: { tensor: 'T2', indices: ['i', 'h'] }, rhs: mul(acc('T1', 'if'), acc('W1', 'fh')) },
      { name: 'relu1', lhs: { tensor: 'H', indices: ['i', 'h'] }, rhs: { kind: 'unary', op: 'relu', arg: { kind: 'binary', op: 'add', lhs: acc('T2', 'ih'), rhs: acc('b1', 'h') } } },
      { name: 'adj2', lhs: { tensor: 'T3', indices: ['i', 'h'] }, rhs: mul(acc('A', 'ik'), acc('H', 'kh')) },
      { name: 'lin2', lhs: { tensor: 'Z', indices: ['i', 'c'] }, rhs: mul(acc('T3', 'ih'), acc('W2', 'hc')) },
    ],
    outputs: ['Z'],
  };
}

describe('fuseProgram granularities', () => {
  const p = gcn(6, 4, 3, 2);
  const segs = (o: Parameters<typeof fuseProgram>[1]) => fuseProgram(p, o).groups!.map((g) => g.statements);

  it('unfused: one group per statement', () => {
    expect(segs({ granularity: 'unfused' })).toEqual([['adj1'], ['lin1'], ['relu1'], ['adj2'], ['lin2']]);
  });
  it('full: one group for the whole model', () => {
    expect(segs({ granularity: 'full' })).toEqual([['adj1', 'lin1', 'relu1', 'adj2', 'lin2']]);
  });
  it('partial: a layer ends at the activation', () => {
    expect(segs({ granularity: 'partial' })).toEqual([
      ['adj1', 'lin1', 'relu1'],
      ['adj2', 'lin2'],
    ]);
  });
  it('partial with explicit layers; unmentioned statements become their own groups', () => {
    expect(segs({ granularity: 'partial', layers: [['adj1', 'lin1']] })).toEqual([['adj1', 'lin1'], ['relu1'], ['adj2'], ['lin2']]);
  });
  it('explicit groups override granularity and are validated', () => {
    expect(segs({ granularity: 'unfused', groups: [['adj2', 'lin2'], ['adj1', 'lin1', 'relu1']] })).toEqual([
      ['adj1', 'lin1', 'relu1'],
      ['adj2', 'lin2'],
    ]);
    const e = errorOf(() => fuseProgram(p, { groups: [['adj1', 'adj2'], ['lin1', 'relu1', 'lin2']] }));
    expect(e.code).toBe('FF_INPUT_INVALID');
    expect(e.message).toContain('form a cycle');
  });
  it('full fusion keeps a live intermediate written: it cuts after a statement whose result is a program output', () => {
    const q = { ...p, outputs: ['H', 'Z'] };
    expect(fuseProgram(q, { granularity: 'full' }).groups!.map((g) => g.statements)).toEqual([
      ['adj1', 'lin1', 'relu1'],
      ['adj2', 'lin2'],
    ]);
  });
  it('cuts around a data-movement (transpose) statement', () => {
    const q: TensorProgram = {
      ...p,
      tensors: { ...p.tensors, Ht: d('Ht', [3, 6], 'intermediate') },
      statements: [
        ...p.statements.slice(0, 3),
        { name: 'tr', lhs: { tensor: 'Ht', indices: ['h', 'i'] }, rhs: acc('H', 'ih') },
        { name: 'adj2', lhs: { tensor: 'T3', indices: ['i', 'h'] }, rhs: mul(acc('A', 'ik'), acc('Ht', 'hk')) },
        p.statements[4],
      ],
    };
    expect(fuseProgram(q, { granularity: 'full' }).groups!.map((g) => g.statements)).toEqual([['adj1', 'lin1', 'relu1'], ['tr'], ['adj2', 'lin2']]);
    expect(fuseProgram(q, { granularity: 'full', cutAtDataMovement: false }).groups).toHaveLength(1);
  });
});

describe("granularity 'auto'", () => {
  it('ranks the configurations with the estimator and picks per-layer fusion for a Cora-sized GCN', () => {
    const p = gcn(2708, 1433, 16, 7);
    const stats = { A: { nnz: 10556 }, W1: { density: 0.4 }, W2: { density: 0.4 } };
    const out = fuseProgram(p, { granularity: 'auto', stats });
    expect(out.groups!.map((g) => g.statements)).toEqual([
      ['adj1', 'lin1', 'relu1'],
      ['adj2', 'lin2'],
    ]);
    const cands = fusionCandidates(p, { A: { shape: [2708, 2708], nnz: 10556 } });
    expect(cands.length).toBe(16); // 2^4 contiguous groupings of 5 statements (labels deduplicated)
    const full = cands.find((c) => c.label === 'full')!;
    const unf = cands.find((c) => c.label === 'unfused')!;
    expect(full.flops).toBeGreaterThan(3 * unf.flops);
    expect(bestCandidate(cands, 0.25).label).not.toBe('full');
  });

  it('measures stats from the bound data when the manifest gives none', () => {
    const p = gcn(4, 3, 2, 2);
    const A = fromDense([4, 4], [0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0], p.tensors.A.format);
    const mod: ProgramModule = { stage: 'program', program: p, data: { A } };
    const out = new FusionPass({ granularity: 'auto' }).run(mod as never) as unknown as ProgramModule;
    expect(out.program.groups!.length).toBeGreaterThanOrEqual(1);
    expect(out.data).toBe(mod.data);
  });
});

describe('plugin contract', () => {
  it('declares id, kind and a schema that names bad keys', () => {
    expect(plugin.id).toBe('fusion');
    expect(plugin.kind).toBe('pass');
    const ok = resolvePluginOptions(plugin as never, { granularity: 'partial' }, '/passes/0');
    expect(ok.granularity).toBe('partial');
    const e = errorOf(() => resolvePluginOptions(plugin as never, { granularity: 'fullest' }, '/passes/0'));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toContain('/passes/0/options/granularity');
    const e2 = errorOf(() => resolvePluginOptions(plugin as never, { groups: [[]] }, '/passes/0'));
    expect(e2.code).toBe('FF_OPTIONS_INVALID');
  });
});

describe("option 'intermediates'", () => {
  it("defaults to share (groups unmarked) and marks every group with 'recompute'; the estimate follows", () => {
    const p = gcn(12, 6, 4, 3);
    const share = fuseProgram(p, { granularity: 'full' });
    expect(share.groups!.every((g) => g.intermediates === undefined)).toBe(true);
    const rec = fuseProgram(p, { granularity: 'full', intermediates: 'recompute' });
    expect(rec.groups!.map((g) => g.intermediates)).toEqual(rec.groups!.map(() => 'recompute'));
    expect(resolvePluginOptions(plugin as never, {}, '/passes/0').intermediates).toBe('share');
    const e = errorOf(() => resolvePluginOptions(plugin as never, { intermediates: 'sometimes' }, '/passes/0'));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toContain('/passes/0/options/intermediates');
    const e2 = errorOf(() => fuseProgram(p, { intermediates: 'sometimes' as never }));
    expect(e2.code).toBe('FF_OPTIONS_INVALID');
    expect(e2.message).toContain("'intermediates'");
  });

  it('a fused group reading one value twice costs more FLOPs when recomputed', () => {
    const p: TensorProgram = {
      name: 'twice',
      tensors: { A: d('A', [12, 12], 'input', true), X: d('X', [12, 6], 'input'), T: d('T', [12, 6], 'intermediate'), Z: d('Z', [12, 6], 'output') },
      statements: [
        { name: 's0', lhs: { tensor: 'T', indices: ['i', 'j'] }, rhs: mul(acc('A', 'ik'), acc('X', 'kj')) },
        { name: 's1', lhs: { tensor: 'Z', indices: ['i', 'j'] }, rhs: { kind: 'binary', op: 'add', lhs: acc('T', 'ij'), rhs: { kind: 'unary', op: 'relu', arg: acc('T', 'ij') } } },
      ],
      outputs: ['Z'],
    };
    const full = (mode: 'share' | 'recompute') => fusionCandidates(p, {}, { intermediates: mode }).find((c) => c.label === 'full')!;
    // dense 12x12x6 product: 2 * 864 FLOPs, once shared, twice recomputed
    expect(full('recompute').flops - full('share').flops).toBe(2 * 12 * 12 * 6);
  });
});

describe("option 'layouts'", () => {
  it('re-declares an intermediate between groups (sequence-major attention output) and keeps everything else', () => {
    const p = gcn(6, 4, 3, 2);
    const out = fuseProgram(p, { granularity: 'unfused', layouts: { T1: 'dc:1,0' } });
    expect(out.tensors.T1.format).toEqual({ levels: ['dense', 'compressed'], modeOrder: [1, 0] });
    expect(out.tensors.T2.format).toEqual(p.tensors.T2.format);
    expect(out.groups!.length).toBe(5);
  });
  it('refuses unknown tensors, inputs / outputs, bad and blocked formats with FF_OPTIONS_INVALID naming the entry', () => {
    const p = gcn(6, 4, 3, 2);
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ Q: 'dd' }, /layouts\.Q': unknown tensor/],
      [{ A: 'dc:1,0' }, /layouts\.A': 'A' is an input/],
      [{ Z: 'dc:1,0' }, /layouts\.Z': 'Z' is an output/],
      [{ T1: 'ddd' }, /layouts\.T1'/],
      [{ T1: 'dc@4' }, /layouts\.T1': .*blocked/],
    ];
    for (const [layouts, msg] of bad) {
      const e = errorOf(() => fuseProgram(p, { granularity: 'unfused', layouts }));
      expect(e.code).toBe('FF_OPTIONS_INVALID');
      expect(e.message).toMatch(msg);
    }
  });
});
