import { container as root } from 'tsyringe';
import { errorOf, resolvePluginOptions, SEARCHER } from '@fuseflow/kernel';
import plugin, { BoshSearcher, DEFAULT_GOBI, DEFAULT_SPACE, DEFAULT_SURROGATE, defaultOptions } from './index';
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

  it('nested options are closed: a typo names its JSON path and suggests the key', () => {
    const bad = (options: unknown) => errorOf(() => resolvePluginOptions(plugin as never, options, '/search'));
    expect(bad({ space: { clases: 5 } })).toMatchObject({ code: 'FF_OPTIONS_INVALID', path: '/search/options/space/clases', suggestion: 'did you mean "classes"?' });
    expect(bad({ surrogate: { epoch: 5 } })).toMatchObject({ path: '/search/options/surrogate/epoch', suggestion: 'did you mean "epochs"?' });
    expect(bad({ gobi: { iteration: 5 } })).toMatchObject({ path: '/search/options/gobi/iteration', suggestion: 'did you mean "iterations"?' });
    expect(bad({ space: { inputShape: [1, 14] } }).message).toMatch(/\/search\/options\/space\/inputShape: must NOT have fewer than 3 items/);
    expect(bad({ surrogate: { dropout: 1 } }).message).toMatch(/\/search\/options\/surrogate\/dropout: must be < 1/);
  });

  it('defaults are merged once, key by key inside nested groups, the same through the kernel and the constructor', () => {
    const given = { space: { classes: 5, kernels: [3] }, gobi: { iterations: 9 } };
    const viaKernel = resolvePluginOptions(plugin as never, given, '/search') as unknown as typeof defaultOptions;
    expect(viaKernel.space).toEqual({ ...DEFAULT_SPACE, classes: 5, kernels: [3] });
    expect(viaKernel.gobi).toEqual({ ...DEFAULT_GOBI, iterations: 9 });
    expect(viaKernel.surrogate).toEqual(DEFAULT_SURROGATE);
    expect(new BoshSearcher(given).o).toEqual(viaKernel);
    // already-resolved options pass through unchanged (the kernel path constructs from them)
    expect(new BoshSearcher(viaKernel).o).toEqual(viaKernel);
    expect(DEFAULT_SPACE.classes).toBe(10);
  });
});
