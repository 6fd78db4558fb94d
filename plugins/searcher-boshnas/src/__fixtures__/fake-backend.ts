import type { Backend, IrModule, Report } from '@fuseflow/kernel/plugin-api';
import type { HardwareDesignSpace } from '@fuseflow/ir';
import type { ModelGraph } from '@fuseflow/ir';

/**
 * Test backend with an analytic cost model: a PE array of `pes` MACs/cycle at `clockMHz`, a
 * buffer of `bufferKB`. latency = MACs / (pes * utilisation) / clock; energy = MACs * 1 pJ + leakage;
 * area = 0.01 mm^2 per PE + 0.05 mm^2 per KB.
 */
export class FakeBackend implements Backend {
  readonly id = 'fake';
  readonly consumes = ['model'];
  readonly designSpace: HardwareDesignSpace = {
    dimensions: ['pes', 'bufferKB'],
    sample: (n, random) => [...Array(n)].map(() => ({ pes: 2 ** (2 + Math.floor(random() * 6)), bufferKB: 16 * (1 + Math.floor(random() * 8)) })),
    embed: (c) => [Math.log2(c.pes as number), c.bufferKB as number],
    bounds: () => [[2, 7], [16, 128]],
    decode: (v) => ({ pes: 2 ** Math.round(Math.min(7, Math.max(2, v[0]))), bufferKB: 16 * Math.round(Math.min(8, Math.max(1, v[1] / 16))) }),
    key: (c) => `pes=${c.pes},buf=${c.bufferKB}`,
  };

  run(ir: IrModule): Report {
    const g = ir.graph as ModelGraph;
    const hw = ir.hardware as { pes: number; bufferKB: number };
    let macs = 0;
    for (const op of g.ops) {
      const out = g.values[op.outputs[0]].shape;
      if (op.op === 'conv2d') {
        const w = g.values[op.inputs[1]].shape;
        macs += out.reduce((a, b) => a * b, 1) * w[1] * w[2] * w[3];
      } else if (op.op === 'gemm') macs += g.values[op.inputs[1]].shape.reduce((a, b) => a * b, 1);
    }
    const util = Math.min(1, hw.bufferKB / 64);
    const latencyS = macs / (hw.pes * util) / 1e8;
    const areaMm2 = 0.01 * hw.pes + 0.05 * hw.bufferKB;
    const dynamicEnergyJ = macs * 1e-12;
    const leakageEnergyJ = latencyS * areaMm2 * 1e-3;
    return { backend: this.id, metrics: { macs, latencyS, areaMm2, dynamicEnergyJ, leakageEnergyJ, energyJ: dynamicEnergyJ + leakageEnergyJ } };
  }
}
