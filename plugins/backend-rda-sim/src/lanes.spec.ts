import { compareTensors, evaluateProgram, fromCoo, parseFormat, parseProgram, uniformRandom } from '@fuseflow/ir';
import { Wiring, spmvParallel, type Kernel } from './kernels';
import { cooRuns } from './primitives';
import { simulateModule } from './simulate';

/**
 * SpMV with per-lane writers (what pass-lower-sam emits for parallel lanes): rows dealt to `lanes`
 * lanes, each lane writing its rows' coordinates and values; `shared` feeds every lane the whole
 * row stream instead (a broken graph: two lanes write every row).
 */
function spmvLanes(m: number, n: number, lanes: number, shared = false): Kernel {
  const w = new Wiring(`spmv_lanes${lanes}`).tensor('A', [m, n], 'csr').tensor('x', [n], 'dense').tensor('y', [m], 'sparse', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  const crds = shared ? w.split(ai.crd, lanes) : w.fork(ai.crd, lanes, 'i');
  const refs = shared ? w.split(ai.ref, lanes) : w.fork(ai.ref, lanes, 'i');
  refs.forEach((ref, p) => {
    const [r1, r2] = w.split(ref, 2);
    const aj = w.scan('A', 1, r1, 'j');
    const xj = w.scan('x', 0, w.repeat(w.root('x'), w.repsig(r2)), 'j');
    const j = w.joiner('intersect', [aj, xj], 'j');
    w.crdWrite('y', 0, crds[p]);
    w.valWrite('y', w.reduce(w.alu('mul', w.array('A', j.refs[0]), w.array('x', j.refs[1]))));
  });
  const graph = w.build('y', [m]);
  const program = parseProgram(`program spmv_lanes\ntensor A(${m},${n}): csr input\ntensor x(${n}): dense input\ntensor y(${m}): sparse output\ns0: y(i) = A(i,j) * x(j)`);
  return { graph, program, module: (data) => ({ stage: 'dataflow', program, data, graphs: [graph] }) };
}

describe('assembler: lanes with their own writers', () => {
  const A = uniformRandom({ shape: [60, 40], density: 0.1, seed: 3, format: 'csr' });
  const x = uniformRandom({ shape: [40], density: 1, seed: 4, format: 'dense' });
  for (const lanes of [2, 3, 8, 64]) {
    it(`SpMV over ${lanes} lanes (${lanes > 60 ? 'idle lanes, ' : ''}one val_write each): reference values, fast == reference, not slower than one joined writer`, () => {
      const k = spmvLanes(60, 40, lanes);
      const fast = simulateModule(k.module({ A, x }), { engine: 'fast' });
      const ref = simulateModule(k.module({ A, x }), { engine: 'reference' });
      expect(fast.valuesChecked).toBe(true);
      const cmp = compareTensors(fast.outputs.y, evaluateProgram(k.program, { A, x }).y, { rtol: 1e-12, atol: 0 });
      expect(cmp.equal).toBe(true);
      expect(ref.cycles).toBe(fast.cycles);
      // (a join cannot take idle lanes: their reduce placeholder reads as a value, see the README)
      if (lanes <= 60) expect(fast.cycles).toBeLessThanOrEqual(simulateModule(spmvParallel(60, 40, lanes).module({ A, x })).cycles);
    });
  }
  it('writers that lanes cannot tell apart are FF_INPUT_INVALID (output writers disagree)', () => {
    const k = spmvLanes(12, 10, 2, true);
    expect(() => simulateModule(k.module({ A: uniformRandom({ shape: [12, 10], density: 0.3, seed: 1, format: 'csr' }), x: uniformRandom({ shape: [10], density: 1, seed: 2, format: 'dense' }) }))).toThrow(
      /output writers disagree: level-0|val_write .* matches 2/,
    );
  });
});

describe('cooRuns: COO runs for the level scanners', () => {
  it('rank 2: the row level runs over equal rows, the singleton level scans its parent run', () => {
    const t = fromCoo([3, 3], [[0, 0, 2, 2], [1, 2, 0, 2]], [1, 2, 3, 4], parseFormat('coo', 2));
    expect(Array.from(cooRuns(t.levels, 0).runEnd!)).toEqual([2, 2, 4, 4]);
    expect(cooRuns(t.levels, 0).parentEnd).toBeNull();
    expect(Array.from(cooRuns(t.levels, 1).parentEnd!)).toEqual([2, 2, 4, 4]);
    expect(cooRuns(t.levels, 1).runEnd).toBeNull();
  });
  it('rank 3: a run of the middle level never crosses a row boundary (equal crds in two rows)', () => {
    const t = fromCoo([2, 2, 3], [[0, 0, 0, 1], [0, 0, 1, 1], [1, 2, 0, 1]], [1, 2, 3, 4], parseFormat('coo', 3));
    expect(Array.from(cooRuns(t.levels, 0).runEnd!)).toEqual([3, 3, 3, 4]);
    expect(Array.from(cooRuns(t.levels, 1).runEnd!)).toEqual([2, 2, 3, 4]);
    expect(Array.from(cooRuns(t.levels, 2).parentEnd!)).toEqual([2, 2, 3, 4]);
  });
  it('CSR levels need no runs', () => {
    const t = fromCoo([3, 3], [[0, 2], [1, 0]], [1, 2], parseFormat('csr', 2));
    expect(cooRuns(t.levels, 0)).toEqual({ runEnd: null, parentEnd: null });
    expect(cooRuns(t.levels, 1)).toEqual({ runEnd: null, parentEnd: null });
  });
});
