import { candidateKey, candidateLabel, candidatePasses, canonicalCandidate, gridCandidates, randomCandidates } from './space';

const names = { fusion: 'fusion', order: 'dataflow-order', blocking: 'sparsity-blocking', parallel: 'parallelize' };

describe('search space', () => {
  const space = { fusion: ['unfused', 'partial', 'full'], blockSize: [null, 16], parallel: [null, [{ index: 'i', factor: 4 }]] };

  it('grid enumerates the cartesian product in dimension order', () => {
    const grid = gridCandidates(space);
    expect(grid).toHaveLength(3 * 2 * 2);
    expect(grid[0]).toEqual({ fusion: 'unfused', blockSize: null, parallel: null });
    expect(grid[3]).toEqual({ fusion: 'unfused', blockSize: 16, parallel: [{ index: 'i', factor: 4 }] });
    expect(grid[11]).toEqual({ fusion: 'full', blockSize: 16, parallel: [{ index: 'i', factor: 4 }] });
  });

  it('an empty dimension is an error naming it', () => {
    expect(() => gridCandidates({ fusion: [] })).toThrow('space.fusion is empty');
  });

  it('random sampling is seeded, without replacement, and a subset of the grid', () => {
    const a = randomCandidates(space, 5, 7);
    const b = randomCandidates(space, 5, 7);
    const c = randomCandidates(space, 5, 8);
    expect(a).toEqual(b);
    expect(a.map(canonicalCandidate)).not.toEqual(c.map(canonicalCandidate));
    const grid = gridCandidates(space).map(canonicalCandidate);
    expect(new Set(a.map(canonicalCandidate)).size).toBe(5);
    for (const x of a) expect(grid).toContain(canonicalCandidate(x));
    expect(randomCandidates(space, 99, 1)).toHaveLength(12);
  });

  it('keys ignore property order and change with the salt', () => {
    expect(candidateKey({ fusion: 'full', blockSize: 16 })).toBe(candidateKey({ blockSize: 16, fusion: 'full' }));
    expect(candidateKey({ fusion: 'full' }, 'a')).not.toBe(candidateKey({ fusion: 'full' }, 'b'));
  });

  it('labels and pass lists realize a candidate', () => {
    const c = { fusion: { name: 'layers', groups: [['s0', 's1'], ['s2']] }, order: 2, blockSize: 16, parallel: [{ index: 'i', factor: 2 }] };
    expect(candidateLabel(c)).toBe('layers/o2/b16/i2');
    expect(candidatePasses(c, names)).toEqual([
      { use: 'fusion', options: { groups: [['s0', 's1'], ['s2']] } },
      { use: 'dataflow-order', options: { order: 2 } },
      { use: 'sparsity-blocking', options: { size: 16 } },
      { use: 'parallelize', options: { levels: [{ index: 'i', factor: 2 }] } },
    ]);
    expect(candidatePasses({ fusion: 'full', blockSize: null, parallel: [] }, names)).toEqual([{ use: 'fusion', options: { granularity: 'full' } }]);
  });
});
