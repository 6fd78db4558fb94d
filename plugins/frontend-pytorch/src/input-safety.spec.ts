import { errorOf } from '@fuseflow/kernel';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeJsonTensor } from './fx';
import { loadTensorSource } from './data';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-pt-safety-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ctx = (shape: number[], maxBytes?: number) => ({ baseDir: dir, seed: 1, name: 'W', shape, path: '/frontend/options/weights/W', maxBytes });

describe('pytorch frontend: non-finite values and size limits', () => {
  it('base64 float32 and JSON tensors with NaN / Inf / 1e999 are refused, naming the tensor and element', () => {
    const buf = Buffer.alloc(12);
    [1, 2, 3].forEach((v, i) => buf.writeFloatLE(v, i * 4));
    buf.writeFloatLE(NaN, 4);
    expect(errorOf(() => decodeJsonTensor({ shape: [3], b64: buf.toString('base64') }, 'param w')).message).toBe("param w: element 1 (row-major): value 'NaN' is not a finite number");
    buf.writeFloatLE(1, 4);
    buf.writeFloatLE(-Infinity, 8);
    expect(errorOf(() => decodeJsonTensor({ shape: [3], b64: buf.toString('base64') }, 'param w')).code).toBe('FF_INPUT_INVALID');
    expect(errorOf(() => decodeJsonTensor(JSON.parse('[[1, 2], [1e999, 0]]'), 'x.json')).message).toBe("x.json: element 2 (row-major): value 'Infinity' is not a finite number");
    expect(Array.from(decodeJsonTensor([[1, 2], [3, 0]], 'ok').data)).toEqual([1, 2, 3, 0]);
  });

  it('a data file (.json nested, .mtx) with a non-finite value names the file and entry, at the manifest path', () => {
    fs.writeFileSync(path.join(dir, 'w.json'), '{"shape":[2],"data":[1,-1e999]}');
    const e = errorOf(() => loadTensorSource({ file: 'w.json' }, ctx([2])));
    expect(e.code).toBe('FF_INPUT_INVALID');
    expect(e.message).toBe(`W (${path.join(dir, 'w.json')}): element 1 (row-major): value '-Infinity' is not a finite number`);
    fs.writeFileSync(path.join(dir, 'w.mtx'), '%%MatrixMarket matrix array real general\n1 2\n0.5\nnan\n');
    const m = errorOf(() => loadTensorSource({ file: 'w.mtx' }, ctx([1, 2])));
    expect(m.message).toContain(`${path.join(dir, 'w.mtx')}: line 4: value 'nan' is not a finite number`);
    expect(m.path).toBe('/frontend/options/weights/W');
  });

  it('a generated weight over the limit is FF_INPUT_TOO_LARGE (kept, not turned into FF_INPUT_INVALID); maxTensorBytes raises it', () => {
    const big = errorOf(() => loadTensorSource({ generate: 'dense:{shape}' }, ctx([1000000, 1000000])));
    expect(big.code).toBe('FF_INPUT_TOO_LARGE');
    expect(big.message).toMatch(/^W: tensor W: dense 1000000x1000000/);
    expect(big.path).toBe('/frontend/options/weights/W');
    // 16x16 dense: 256 x (16 COO + 8 dense) bytes = 6144
    expect(errorOf(() => loadTensorSource({ generate: 'dense:{shape}' }, ctx([16, 16], 6143))).code).toBe('FF_INPUT_TOO_LARGE');
    const t = loadTensorSource({ generate: 'dense:{shape}' }, ctx([16, 16], 6144));
    expect('vals' in t ? t.vals.length : t.data.length).toBe(256);
  });
});
