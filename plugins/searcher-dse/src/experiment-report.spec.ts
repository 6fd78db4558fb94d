import { fig12ChartRows, fig12Markdown, fig12Rows, fig12Text } from './experiment-report';
import type { ExperimentRowResult } from './experiments';

const run = (configuration: string, cycles: number, extra: Partial<ExperimentRowResult> = {}): ExperimentRowResult => ({
  group: 'GCN',
  label: 'cora',
  manifest: 'gcn/cora.json',
  configuration,
  key: `GCN|cora|${configuration}|`,
  ok: true,
  metrics: { cycles },
  valuesChecked: true,
  cpuSeconds: 10,
  ...extra,
});

describe('fig12 table', () => {
  const results = [
    run('unfused', 1_000_000),
    run('partially fused', 500_000),
    run('fully fused', 4_000_000, { sampling: { sampled: true, totalUnits: 2708, sampledUnits: 85, estimate: 4_000_000, ci95: [3_800_000, 4_200_000] }, cpuSeconds: 95.5 }),
  ];

  it('puts our speedups beside the published ones and keeps each run\'s sampling and CPU seconds', () => {
    const [row] = fig12Rows(results);
    expect(row.speedup['partially fused']).toBe(2);
    expect(row.speedup['fully fused']).toBe(0.25);
    // fuseflow-reference.md 5.1: GCN Cora 48,998,261 / 29,997,611 / 166,361,105 cycles.
    expect(row.published?.partial).toBeCloseTo(48998261 / 29997611, 12);
    expect(row.published?.full).toBeCloseTo(48998261 / 166361105, 12);
    expect(row.published?.cycles.unfused).toBe(48998261);
    expect(row.sampling['fully fused']?.ci95).toEqual([3_800_000, 4_200_000]);
    expect(row.sampling.unfused).toBeUndefined();
    expect(row.cpuSeconds).toEqual({ unfused: 10, 'partially fused': 10, 'fully fused': 95.5 });
  });

  it('marks sampled cycles with ~ and lists each sampled run with its units and 95 % interval', () => {
    const text = fig12Text(fig12Rows(results));
    const line = text.split('\n')[1];
    expect(line).toContain('~4,000,000');
    expect(line).toContain('1.63'); // paper partial x
    expect(line).toMatch(/\s+f\s+116\s+checked/); // sampled: full only; CPU s summed over the three runs
    expect(text).toContain('GCN cora fully fused: 85 of 2,708 units, cycles ~4,000,000, 95 % interval [3,800,000, 4,200,000] (+-5.0 %)');
  });

  it('Markdown: the sampled run with its interval, CPU seconds per configuration', () => {
    const md = fig12Markdown(fig12Rows(results)).split('\n');
    expect(md[2]).toBe('| GCN | cora | 1,000,000 | 500,000 | ~4,000,000 (+-5.0 %) | 2.00 | 0.25 | 1.63 | 0.29 | 10 / 10 / 96 |');
  });

  it('chart data: our speedup beside the paper\'s, a sampled run\'s speedup interval, ~ on its bar', () => {
    const [partial, full] = fig12ChartRows(fig12Rows(results));
    expect(partial).toMatchObject({ model: 'GCN', bar: 'cora partial', configuration: 'partially fused', speedup: 2, lo: null, hi: null });
    expect(partial.paper).toBeCloseTo(48998261 / 29997611, 12);
    expect(full).toMatchObject({ bar: 'cora full ~', configuration: 'fully fused', speedup: 0.25 });
    expect(full.paper).toBeCloseTo(48998261 / 166361105, 12);
    // unfused exact: 1,000,000 over the interval [3.8 M, 4.2 M]
    expect(full.lo).toBeCloseTo(1 / 4.2, 12);
    expect(full.hi).toBeCloseTo(1 / 3.8, 12);
  });

  it('an unsampled sweep has no sampling notes', () => {
    const text = fig12Text(fig12Rows(results.map((r) => ({ ...r, sampling: undefined }))));
    expect(text).not.toContain('Sampled runs');
    expect(text.split('\n')[1]).not.toContain('~');
  });
});
