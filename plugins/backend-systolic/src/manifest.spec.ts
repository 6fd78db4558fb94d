import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from '@fuseflow/kernel';

// the kernel's runner service, as a searcher or command gets it: a session per run
const host = createRunner();

// Through the kernel: plugin resolution by id, option merging/validation by the kernel's ajv, and
// FF_OPTIONS_INVALID surfacing from our semantic checks with the manifest path.
describe('systolic backend in a manifest run', () => {
  const base = (backendOptions: Record<string, unknown>) => ({
    version: 1 as const,
    name: 'lenet',
    frontend: { use: './__fixtures__/lenet-frontend.ts' },
    backend: { use: 'systolic', options: { plot: false, ...backendOptions } },
  });

  it('runs LeNet-5 and reports the hand-computed cycles (backend.spec.ts)', async () => {
    const r = await host.run(base({ arrayHeight: 8, arrayWidth: 8, dataflow: 'os', bandwidth: 1e6, foldSkew: 'full' }), {
      baseDir: __dirname,
      outDir: mkdtempSync(join(tmpdir(), 'ff-sys-m-')),
    });
    expect(r.error).toBeUndefined();
    expect(r.runs[0].report?.metrics.cycles).toBe(17970);
  }, 30000);

  it('rejects a bad option value at its manifest path', async () => {
    const r = await host.run(base({ dataflow: 'rs' }), { baseDir: __dirname, outDir: mkdtempSync(join(tmpdir(), 'ff-sys-m-')) });
    const err = r.error ?? r.runs[0]?.error;
    expect(err?.code).toBe('FF_OPTIONS_INVALID');
    expect(err?.path).toBe('/backend/options/dataflow');
  }, 30000);

  it('reports a semantic error (stationary tile larger than its SRAM) from register', async () => {
    const r = await host.run(base({ arrayHeight: 256, arrayWidth: 256, ofmapSramKB: 16 }), { baseDir: __dirname, outDir: mkdtempSync(join(tmpdir(), 'ff-sys-m-')) });
    const err = r.error ?? r.runs[0]?.error;
    expect(JSON.stringify(err)).toMatch(/FF_OPTIONS_INVALID/);
    expect(err?.message).toMatch(/ofmapSramKB = 16 KiB holds 16384 words, smaller than one tile/);
  }, 30000);
});
