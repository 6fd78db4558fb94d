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
