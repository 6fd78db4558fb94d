import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineSpec, scatterSpec, stackedBarSpec } from './specs';

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
