import { enumerateLoopOrders, verifyDataflowGraph } from '@fuseflow/ir';
import { lowerStatement } from './lower';
import { KERNELS, checkGraph, kernelProgram, randomData } from './__fixtures__/kernels';

describe('lowerStatement: textbook kernels, every valid loop order, values vs evaluateProgram', () => {
  for (const k of KERNELS) {
    it(`${k.name}: ${k.expr}`, () => {
      const p = kernelProgram(k);
      const stmt = p.statements[0];
      const orders = enumerateLoopOrders(stmt, p, 50);
      expect(orders.length).toBeGreaterThan(0);
      for (const order of orders) {
        for (const locate of [true, false]) {
          const g = lowerStatement(stmt, p, { loopOrder: order, locate });
          verifyDataflowGraph(g);
          for (const seed of [1, 2]) {
            const r = checkGraph(g, p, randomData(p, seed * 10));
            if (!r.ok) throw new Error(`${k.name} order ${order.join('')} locate=${locate} seed ${seed}: ${r.message}`);
          }
        }
      }
    });
  }
});

describe('exactPresence: false (no crd_drop) still writes exact values', () => {
  for (const name of ['spmspm', 'mul3', 'sddmm', 'softmax']) {
    it(name, () => {
      const p = kernelProgram(KERNELS.find((k) => k.name === name)!);
      const g = lowerStatement(p.statements[0], p, { exactPresence: false });
      expect(g.nodes.some((n) => n.kind === 'crd_drop')).toBe(false);
      const r = checkGraph(g, p, randomData(p, 4));
      if (!r.ok) throw new Error(r.message);
    });
  }
});
