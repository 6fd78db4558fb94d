import { buildCnnTable, MDS_MAX_CANDIDATES } from './cnn-table';
import { enumerateCells, LazyCnnSpace } from './lazy-space';
import { makeRng } from './rng';
import { archHash, canonicalModule, DEFAULT_SPACE, lowerArch } from './space';

describe('LazyCnnSpace', () => {
  it('a tiny space: every index is a distinct valid architecture and the count is exact', () => {
    const cfg = { kernels: [3], convChannels: [4], stemChannels: [4, 8], maxOps: 1, cellsPerStage: [[0, 1], [1, 1]] as Array<[number, number]>, denseWidths: [32] };
    const s = new LazyCnnSpace(cfg);
    // ops: conv3x3-c4, dw, grouped c4, maxpool3x3, avgpool3x3, shuffle = 6; one-op cells with and without the input->output skip
    expect(s.cells.length).toBe(12);
    // stem 2 x stage1 (1 + 12) x stage2 12 x one reduction 2 x head (2 x 2)
    expect(s.size).toBe(2n * 13n * 12n * 2n * 4n);
    const hashes = new Set<string>();
    for (let i = 0n; i < s.size; i++) {
      const a = s.at(i);
      lowerArch(a, s.cfg.inputShape, s.cfg.classes);
      hashes.add(archHash(a));
    }
    expect(hashes.size).toBe(Number(s.size));
  });

  it('the default space has >= 10^4 architectures, drawn lazily and distinct', () => {
    const s = new LazyCnnSpace();
    expect(s.size).toBeGreaterThan(10n ** 14n);
    expect(s.at(12345n)).toEqual(s.at(12345));
    const idx = s.sample(2000, makeRng(1));
    expect(new Set(idx).size).toBe(2000);
    expect(new Set(idx.map((i) => archHash(s.at(i)))).size).toBe(2000);
    expect(() => s.at(s.size)).toThrow(/FF_SPACE_INVALID|outside the space/);
    expect(() => s.at(-1)).toThrow(/outside the space/);
  });

  it('the cell vocabulary has one module per isomorphism class', () => {
    const cells = enumerateCells(DEFAULT_SPACE);
    const forms = cells.map(canonicalModule);
    expect(new Set(forms).size).toBe(cells.length);
    // two-op cells whose ops are swapped parallel branches are one class: count a case by hand
    const parallel = (a: string, b: string) => canonicalModule({ labels: ['input', a, b, 'output'], matrix: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]] });
    expect(parallel('maxpool3x3', 'avgpool3x3')).toBe(parallel('avgpool3x3', 'maxpool3x3'));
    expect(forms.filter((f) => f === parallel('maxpool3x3', 'avgpool3x3')).length).toBe(1);
  });

  it('a search table above the MDS limit uses the feature embedding, rows rebuilt from indices', () => {
    const t = buildCnnTable({ candidates: MDS_MAX_CANDIDATES + 200, embeddingDims: 16, capacityFeatures: true }, 3, DEFAULT_SPACE);
    expect(t.embedding).toBe('features');
    expect(t.indices.length).toBe(MDS_MAX_CANDIDATES + 200);
    expect(t.scaled[0].length).toBe(48 + 3);
    for (const r of t.scaled) for (const v of r) expect(v >= 0 && v <= 1).toBe(true);
    expect(archHash(t.archs[7])).toBe(archHash(t.space.at(t.indices[7])));
    const small = buildCnnTable({ candidates: 40, embeddingDims: 8, capacityFeatures: false }, 3, DEFAULT_SPACE);
    expect(small.embedding).toBe('mds');
    expect(small.raw[0].length).toBe(8);
  }, 60_000);
});
