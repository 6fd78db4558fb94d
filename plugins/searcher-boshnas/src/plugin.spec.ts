import { container as root } from 'tsyringe';
import { SEARCHER } from '@fuseflow/kernel';
import plugin, { defaultOptions } from './index';
import { checkWeights, DEFAULT_WEIGHTS, performance } from './objective';
import { paretoFront } from './pareto';

describe('plugin', () => {
  it('binds both searchers; mode picks the first (the one the kernel runs)', () => {
    for (const [mode, ids] of [
      ['nas', ['boshnas', 'boshcode']],
      ['codesign', ['boshcode', 'boshnas']],
    ] as const) {
      const c = root.createChildContainer();
      plugin.register(c, { ...defaultOptions, mode });
      expect(c.resolveAll(SEARCHER).map((s) => s.id)).toEqual(ids);
    }
    expect(plugin.kind).toBe('searcher');
  });

  it('objective: reference weights, convex check, hand-computed value', () => {
    expect(checkWeights(DEFAULT_WEIGHTS)).toBeUndefined();
    expect(checkWeights({ ...DEFAULT_WEIGHTS, val: 0.5 })).toMatch(/sum to 1/);
    // 0.2*0.9 + 0.2*(1-0.5) + 0.1*(1-0.1) + 0.2*(1-0.5) + 0.3*(1-0.2) = 0.18+0.1+0.09+0.1+0.24
    expect(performance({ val: 0.9, test: 0.8, latencyS: 0.5, areaMm2: 100, dynamicEnergyJ: 5, leakageEnergyJ: 2 })).toBeCloseTo(0.71, 12);
  });

  it('Pareto front keeps exactly the non-dominated points', () => {
    const pts = [
      { a: 0.9, l: 5 },
      { a: 0.8, l: 1 },
      { a: 0.85, l: 6 }, // dominated by the first
      { a: 0.7, l: 1 }, // dominated by the second
      { a: 0.95, l: 9 },
    ];
    const front = paretoFront(pts, [
      { name: 'acc', value: (p) => p.a, sense: 'max' },
      { name: 'lat', value: (p) => p.l, sense: 'min' },
    ]);
    expect(front).toEqual([pts[0], pts[1], pts[4]]);
  });
});
