import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'eventemitter3';
import type { RunContext } from '@fuseflow/kernel';
import { fromDense, parseFormat, uniformRandom } from '@fuseflow/ir';
import * as K from './kernels';

// Output tensor names come from model files (an ONNX value may be called '..'): simulate a real
// SpMV and hand its result back under hostile names, as rank 1 (MatrixMarket) and rank 3 (data files).
jest.mock('./simulate', () => {
  const actual = jest.requireActual('./simulate');
  return {
    ...actual,
    simulateModule: (...a: unknown[]) => {
      const r = actual.simulateModule(...a);
      const cube = fromDense([1, 2, 2], [1, 2, 3, 4], parseFormat('dense', 3), 'cube');
      return { ...r, outputs: { '..': cube, '../../escape': r.outputs.y, '/abs/path': cube } };
    },
  };
});
// eslint-disable-next-line import/first
import { RdaSimBackend } from './backend';

describe('rda-sim writeOutputs with hostile output names', () => {
  it('writes every output inside the run folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rda-names-'));
    const outDir = path.join(root, 'a', 'b', 'run');
    const ctx = { seed: 1, baseDir: root, outDir, events: new EventEmitter(), container: undefined, diagnostic: () => {}, progress: () => {}, shared: new Map() } as unknown as RunContext;
    const mod = K.spmv(6, 5).module({ A: uniformRandom({ shape: [6, 5], density: 0.4, seed: 1, format: 'csr' }), x: uniformRandom({ shape: [5], density: 1, seed: 2, format: 'dense' }) });
    const rep = await new RdaSimBackend({ checkValues: false }).run(mod, ctx);
    expect(rep.files!.length).toBeGreaterThan(3);
    const all = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(d, e.name)) : [path.join(d, e.name)]));
    const written = all(root);
    expect(written.sort()).toEqual([...rep.files!].sort());
    for (const f of written) expect(path.relative(outDir, f).startsWith('..')).toBe(false);
    expect(rep.files).toContain(path.join(outDir, '___.._escape.mtx'));
    fs.rmSync(root, { recursive: true, force: true });
  });
});
