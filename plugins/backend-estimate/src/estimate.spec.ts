import { enumerateLoopOrders, estimateStatement, inlineGroup, rowSoftmaxProgram, statsFromData, uniformRandom, type ProgramModule } from '@fuseflow/ir';
import { resolvePluginOptions } from '@fuseflow/kernel';
import plugin, { EstimateBackend } from './index';

// A fused row softmax with no loop order (no dataflow-order pass ran).
const program = rowSoftmaxProgram(32);
const S = uniformRandom({ shape: [32, 32], density: 0.3, seed: 9, format: 'dcsr' });
const mod = { stage: 'program', program, data: { S } } as ProgramModule;

describe('estimate backend', () => {
  const stmt = inlineGroup(program, program.groups![0]);
  const stats = statsFromData(program, { S });
  const first = estimateStatement(stmt, program, stats, enumerateLoopOrders(stmt, program)[0]);

  it("estimates a fused group without a loop order under lower-sam's choice (the best estimated order)", () => {
    const r = new EstimateBackend({}).run(mod as never);
    const best = Math.min(...enumerateLoopOrders(stmt, program).map((o) => estimateStatement(stmt, program, stats, o).flops));
    expect(r.metrics.flops).toBe(best);
    expect(r.metrics.flops * 10).toBeLessThan(first.flops);
  });

  it("fusedOrder 'first' estimates enumerated order #0", () => {
    const r = new EstimateBackend({ fusedOrder: 'first' }).run(mod as never);
    expect(r.metrics.flops).toBe(first.flops);
    expect(r.metrics.bytes).toBe(first.readBytes + first.writeBytes);
  });

  it('per-tensor stats are a closed schema: a typo names its JSON path and suggests the key', () => {
    expect(resolvePluginOptions(plugin, { stats: { S: { density: 0.1 } } }, '/backend')).toEqual({ stats: { S: { density: 0.1 } }, fusedOrder: 'best-estimate' });
    expect(() => resolvePluginOptions(plugin, { stats: { S: { densty: 0.1 } } }, '/backend')).toThrow(
      expect.objectContaining({ code: 'FF_OPTIONS_INVALID', path: '/backend/options/stats/S/densty', suggestion: 'did you mean "density"?' }),
    );
    expect(() => resolvePluginOptions(plugin, { stats: { S: { density: 2 } } }, '/backend')).toThrow(/\/backend\/options\/stats\/S\/density: must be <= 1/);
  });
});
