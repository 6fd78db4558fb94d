import { enumerateLoopOrders, gcnBiasProgram, inlineGroup, parseProgram, type TensorProgram } from '@fuseflow/ir';
import { FuseFlowError } from '@fuseflow/kernel';
import { lowerProgram, lowerStatement } from './lower';
import { checkGraph, randomData } from './__fixtures__/kernels';
import { runTreeSim } from './__fixtures__/tree-sim';

const NESTED = `
program nested
tensor A(7,6): dcsr input
tensor B(6,5): dcsr input
tensor C(5,4): dcsr input
tensor T(7,5): dcsr intermediate
tensor Y(7,4): dcsr output
s0: T(i,j) = A(i,k) * B(k,j)
s1: Y(i,l) = T(i,j) * C(j,l)
`;

const SOFTMAX = `
program softmax
tensor S(6,8): dcsr input
tensor M(6): sparse intermediate
tensor Y(6,8): dcsr output
s0: M(i) = sum(k, exp(S(i,k)))
s1: Y(i,j) = exp(S(i,j)) / M(i)
`;

function withGroups(p: TensorProgram, groups: string[][]): TensorProgram {
  return { ...p, groups: groups.map((s, i) => ({ name: `g${i}`, statements: s })) };
}

/** Runs every group's graph in order and returns the final output compared with the unfused reference. */
function checkProgram(p: TensorProgram, seed: number): void {
  const graphs = lowerProgram(p);
  const data = randomData(p, seed);
  for (const g of graphs) {
    const r = checkGraph(g, p, data);
    if (!r.ok) throw new Error(`group ${g.group}: ${r.message}`);
  }
}

describe('fused groups (inlined statements with nested reductions)', () => {
  it('nested matmul (A*B)*C: unfused and fully fused agree with the reference', () => {
    const p = parseProgram(NESTED);
    checkProgram(p, 3);
    checkProgram(withGroups(p, [['s0', 's1']]), 3);
  });

  it('nested matmul: every loop order of the fused statement either lowers correctly or is refused with a reason', () => {
    const p = withGroups(parseProgram(NESTED), [['s0', 's1']]);
    const stmt = inlineGroup(p, p.groups![0]);
    const orders = enumerateLoopOrders(stmt, p);
    let lowered = 0;
    for (const order of orders) {
      let g;
      try {
        g = lowerStatement(stmt, p, { loopOrder: order, group: 'g0' });
      } catch (e) {
        expect(e).toBeInstanceOf(FuseFlowError);
        expect((e as Error).message).toMatch(/group 'g0'/);
        continue;
      }
      lowered++;
      for (const seed of [1, 5]) {
        const r = checkGraph(g, p, randomData(p, seed));
        if (!r.ok) throw new Error(`order ${order.join('')}: ${r.message}`);
      }
    }
    expect(lowered).toBeGreaterThan(0);
  });

  it('GCN 2 layers: unfused, per-layer and fully fused give the reference output', () => {
    const p = gcnBiasProgram(9, 6, 4, 3);
    for (const groups of [[['s0'], ['s1'], ['s2'], ['s3'], ['s4']], [['s0', 's1', 's2'], ['s3', 's4']], [['s0', 's1', 's2', 's3', 's4']]]) {
      for (const seed of [2, 9]) checkProgram(withGroups(p, groups), seed);
    }
  });

  it('fully fused GCN recomputes the first layer inside the second (more ALU work than unfused)', () => {
    const p = gcnBiasProgram(9, 6, 4, 3);
    const data = randomData(p, 4, 0.5);
    const ops = (groups: string[][]) => {
      const q = withGroups(p, groups);
      let total = 0;
      let env = { ...data };
      for (const g of lowerProgram(q)) {
        const r = runTreeSim(g, env);
        total += r.aluOps;
        env = { ...env, [g.output.tensor]: r.output };
      }
      return total;
    };
    const unfused = ops([['s0'], ['s1'], ['s2'], ['s3'], ['s4']]);
    const full = ops([['s0', 's1', 's2', 's3', 's4']]);
    expect(full).toBeGreaterThan(unfused * 2);
  });

  it('softmax from two statements fused into one graph', () => {
    const p = parseProgram(SOFTMAX);
    checkProgram(p, 1);
    const fused = withGroups(p, [['s0', 's1']]);
    const stmt = inlineGroup(fused, fused.groups![0]);
    for (const order of enumerateLoopOrders(stmt, fused)) {
      const g = lowerStatement(stmt, fused, { loopOrder: order, group: 'g0' });
      const r = checkGraph(g, fused, randomData(fused, 7));
      if (!r.ok) throw new Error(`order ${order.join('')}: ${r.message}`);
    }
  });
});
