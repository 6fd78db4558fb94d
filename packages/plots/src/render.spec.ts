import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineSpec, scatterSpec, siPrefix, stackedBarSpec } from './specs';

// vega is ESM-only and jest's VM cannot run a dynamic import() without
// --experimental-vm-modules, so rendering is checked in a plain node child process that
// loads this package's TypeScript source through @swc-node/register.
function renderInChild(spec: unknown, base: string): { files: string[]; stderr: string; status: number | null } {
  const script = `
    const p = require(${JSON.stringify(join(__dirname, 'index.ts'))});
    p.writeChart(${JSON.stringify(spec)}, ${JSON.stringify(base)}, { pngWidth: 400 })
      .then((f) => { process.stdout.write(JSON.stringify(f)); })
      .catch((e) => { process.stderr.write(String(e && e.message)); process.exit(3); });`;
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    encoding: 'utf8',
    cwd: __dirname,
    timeout: 30000,
  });
  return { files: r.status === 0 ? JSON.parse(r.stdout) : [], stderr: r.stderr, status: r.status };
}

describe('specs', () => {
  it('keeps category order of a stacked bar chart as given, not alphabetical', () => {
    const spec = stackedBarSpec(
      [
        { layer: 'conv2', part: 'compute', cycles: 5 },
        { layer: 'conv1', part: 'compute', cycles: 7 },
        { layer: 'conv2', part: 'stall', cycles: 2 },
      ],
      { x: 'layer', y: 'cycles', color: 'part' },
    ) as any;
    expect(spec.encoding.x.sort).toEqual(['conv2', 'conv1']);
    expect(spec.encoding.y.stack).toBe('zero');
    expect(spec.data.values).toHaveLength(3);
  });

  it('adds a front layer to a scatter only when asked', () => {
    const rows = [{ a: 1, b: 2, front: true }];
    expect((scatterSpec(rows, { x: 'a', y: 'b' }) as any).layer).toHaveLength(1);
    const withFront = scatterSpec(rows, { x: 'a', y: 'b', frontField: 'front', logY: true }) as any;
    expect(withFront.layer).toHaveLength(2);
    // the front line is drawn under the points
    expect(withFront.layer[0].mark.type).toBe('line');
    expect(withFront.layer[1].encoding.y.scale).toEqual({ type: 'log' });
  });

  it('fits a line chart y axis to the data only when asked', () => {
    const rows = [{ n: 1, v: 0.3 }];
    expect((lineSpec(rows, { x: 'n', y: 'v' }) as any).encoding.y.scale).toBeUndefined();
    expect((lineSpec(rows, { x: 'n', y: 'v', yFromZero: false }) as any).encoding.y.scale).toEqual({ zero: false });
  });
});

describe('renderVegaLite (child process)', () => {
  it('writes an SVG with the chart text and a valid PNG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-plots-'));
    const spec = stackedBarSpec(
      [
        { layer: 'conv1', part: 'compute', cycles: 120 },
        { layer: 'conv1', part: 'stall', cycles: 30 },
        { layer: 'fc', part: 'compute', cycles: 40 },
      ],
      { x: 'layer', y: 'cycles', color: 'part', title: 'Per-layer cycles' },
    );
    const r = renderInChild(spec, join(dir, 'chart'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.files).toEqual([join(dir, 'chart.svg'), join(dir, 'chart.png')]);
    const svg = readFileSync(r.files[0], 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Per-layer cycles');
    expect(svg).toContain('conv1');
    const png = readFileSync(r.files[1]);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // PNG IHDR width (bytes 16..19, big-endian) is the requested raster width.
    expect(png.readUInt32BE(16)).toBe(400);
  }, 30000);

  it('reports a vega-lite compile error with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-plots-'));
    const bad = { ...lineSpec([{ x: 1, y: 1 }], { x: 'x', y: 'y' }), mark: { type: 'no-such-mark' } };
    const r = renderInChild(bad, join(dir, 'bad'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/@fuseflow\/plots: vega-lite could not compile/);
  }, 30000);
});

describe('axis units', () => {
  it('picks the SI prefix that puts the largest magnitude in [1, 1000)', () => {
    expect(siPrefix([1.1e-6, 3e-7])).toEqual({ factor: 1e-6, prefix: 'µ' });
    expect(siPrefix([0.004, -0.02])).toEqual({ factor: 1e-3, prefix: 'm' });
    expect(siPrefix([2.5, 999])).toEqual({ factor: 1, prefix: '' });
    expect(siPrefix([1500])).toEqual({ factor: 1e3, prefix: 'k' });
    expect(siPrefix([0, NaN])).toEqual({ factor: 1, prefix: '' });
  });

  const energy = [
    { layer: 'conv1', part: 'mac', energyJ: 1.1e-6, cycles: 1.2e6 },
    { layer: 'conv1', part: 'sram', energyJ: 0.4e-6, cycles: 0.3e6 },
    { layer: 'fc', part: 'mac', energyJ: 0.2e-6, cycles: 2.5e6 },
  ];
  /** The text of every <text> element of an SVG (titles and tick labels). */
  const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

  it('every chart kind renders its unit in the axis title and SI-scaled tick labels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-plots-'));
    const specs = {
      bar: stackedBarSpec(energy, { x: 'layer', y: 'energyJ', color: 'part', yTitle: 'dynamic energy', yUnit: 'J' }),
      scatter: scatterSpec(energy, { x: 'cycles', y: 'energyJ', xUnit: 'cycles', yUnit: 'J', yTitle: 'energy' }),
      line: lineSpec(energy, { x: 'cycles', y: 'energyJ', xUnit: 'cycles', yUnit: 'J', yTitle: 'energy' }),
    };
    for (const [kind, spec] of Object.entries(specs)) {
      const r = renderInChild(spec, join(dir, kind));
      expect(r.stderr).toBe('');
      const t = texts(readFileSync(r.files[0], 'utf8'));
      // the stacked conv1 bar is 1.5 µJ: the axis reads in µJ
      expect(t).toContain(kind === 'bar' ? 'dynamic energy (µJ)' : 'energy (µJ)');
      if (kind !== 'bar') expect(t).toContain('cycles (cycles)');
      // no raw joule ticks such as "0.0000011" and no exponent notation
      expect(t.filter((s) => /^0\.0000|e-\d/.test(s))).toEqual([]);
      // tick labels are plain numbers of the µJ scale (bar: 0 .. 1.5; points: 0.2 .. 1.1)
      const ticks = t.filter((s) => /^[\d.]+$/.test(s)).map(Number);
      expect(Math.max(...ticks)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...ticks)).toBeLessThan(10);
      if (kind !== 'bar') expect(t.some((s) => /^\d+(\.\d+)?M$/.test(s))).toBe(true); // cycles ticks in SI notation (1.5M)
    }
  }, 60000);
});
