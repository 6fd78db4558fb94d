import { compareTensors, enumerateLoopOrders, evaluateProgram, inlineGroup, rowSoftmaxProgram, uniformRandom, type DataflowModule, type ProgramModule } from '@fuseflow/ir';
import { LowerSamPass } from './plugin';
import { runTreeSim } from './__fixtures__/tree-sim';

// A fused row softmax without a loop order: order #0 recomputes the row max and sum per element.
const program = rowSoftmaxProgram(16);
const S = uniformRandom({ shape: [16, 16], density: 0.4, seed: 5, format: 'dcsr' });
const programModule: ProgramModule = { stage: 'program', program, data: { S } } as ProgramModule;

describe('lower-sam pass: loop order of a fused group without one', () => {
  const first = enumerateLoopOrders(inlineGroup(program, program.groups![0]), program)[0];

  it("searches the estimator's best order by default and records it on the program", () => {
    const out = new LowerSamPass({}).run(programModule as never) as DataflowModule;
    const order = out.program.groups![0].loopOrder!;
    expect(order).toBeDefined();
    expect(order).not.toEqual(first);
    // the output column is iterated after every row statistic's reduced index
    const j = order.indexOf('j');
    expect(order.filter((v) => v !== 'i' && v !== 'j').every((v) => order.indexOf(v) < j)).toBe(true);
  });

  it("keeps enumerated order #0 with fusedOrder 'first'; both compute the reference values, the searched one with far fewer ALU ops", () => {
    const best = new LowerSamPass({}).run(programModule as never) as DataflowModule;
    const plain = new LowerSamPass({ fusedOrder: 'first' }).run(programModule as never) as DataflowModule;
    expect(plain.program.groups![0].loopOrder).toBeUndefined();
    const expected = evaluateProgram(program, { S }).P;
    const a = runTreeSim(best.graphs[0], { S });
    const b = runTreeSim(plain.graphs[0], { S });
    expect(compareTensors(a.output, expected, { rtol: 1e-9 }).equal).toBe(true);
    expect(compareTensors(b.output, expected, { rtol: 1e-9 }).equal).toBe(true);
    expect(a.aluOps * 4).toBeLessThan(b.aluOps);
  });
});
