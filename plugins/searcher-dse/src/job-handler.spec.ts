import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { admitJob, findJobKind, jobId } from '@fuseflow/executor';
import { createRunner, runManifest } from '@fuseflow/kernel';
import { GCN_LAYER_TT, gcnManifest, tempDir, writeManifest } from '../../../packages/kernel/src/__fixtures__/toy';
import { pipelineInputDigests, pipelineJob, runJob } from './job-handler';

describe('dse.pipeline job kind', () => {
  it('is registered by the package.json fuseflow.jobs entry, with a payload schema workers enforce', () => {
    const kind = findJobKind('dse.pipeline');
    expect(kind?.module).toBe(path.resolve(__dirname, '..', 'dist', 'job-handler.js'));
    expect(admitJob({ kind: 'dse.pipeline', payload: { manifest: 'm.json', outDir: '/tmp/x', seed: 3 } }).kind.kind).toBe('dse.pipeline');
    expect(() => admitJob({ kind: 'dse.pipeline', payload: { manifest: 'm.json', outDir: '/tmp/x', module: 'child_process' } })).toThrow(
      expect.objectContaining({ code: 'FF_JOB_REFUSED', message: expect.stringContaining('must NOT have additional properties') }),
    );
    expect(() => admitJob({ kind: 'dse.pipeline', payload: { outDir: '/tmp/x' } })).toThrow(/must have required property 'manifest'/);
  });

  it('a rerun after changing an input file (its density) is a different job; an unchanged rerun is the same job', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-dse-inputs-'));
    const write = (density: number) => {
      const n = 8;
      const lines = ['%%MatrixMarket matrix coordinate real general', `${n} ${n} ${Math.round(n * n * density)}`];
      for (let k = 0; k < Math.round(n * n * density); k++) lines.push(`${(k % n) + 1} ${Math.floor(k / n) + 1} 1`);
      fs.writeFileSync(path.join(dir, 'B.mtx'), lines.join('\n') + '\n');
    };
    const payload = { manifest: { name: 'spmm', frontend: { use: 'expr', options: { inputs: { B: { file: 'B.mtx' } } } } }, baseDir: dir, outDir: path.join(dir, 'out'), seed: 1 };
    const id = () => jobId(pipelineJob.kind!, payload, pipelineJob.fingerprint!(payload));
    write(0.1);
    const first = id();
    expect(Object.keys(pipelineInputDigests(payload))).toEqual(['B.mtx']);
    expect(id()).toBe(first);
    write(0.5);
    expect(id()).not.toBe(first);
  });

  it("a run's manifest.resolved.json as the payload manifest: the worker rebuilds that session (same numbers) and the fingerprint reads its baseDir", async () => {
    const src = tempDir('ff-dse-resolved-');
    fs.copyFileSync(GCN_LAYER_TT, path.join(src, 'layer.tt'));
    const first = await runManifest(writeManifest(src, gcnManifest({ frontend: { use: 'tensor-text', options: { file: 'layer.tt' } } })), { outDir: path.join(src, 'out') });
    expect(first.ok).toBe(true);
    const resolved = JSON.parse(fs.readFileSync(first.resolvedManifestPath, 'utf8'));
    // the worker's folder knows nothing of layer.tt: only the recorded baseDir finds it
    const elsewhere = tempDir('ff-dse-worker-');
    const payload = { manifest: resolved, baseDir: elsewhere, outDir: path.join(elsewhere, 'job') };
    const job = await runJob(payload, { runner: createRunner({ baseDir: elsewhere }) });
    expect(job.runs).toEqual(first.runs.map((r) => ({ configuration: r.configuration, metrics: r.report!.metrics })));
    expect(pipelineInputDigests(payload)).toEqual({ 'layer.tt': expect.stringMatching(/\S/) });
    // what the run reads is in the job's address; where the manifest once came from is not
    const id = jobId(pipelineJob.kind!, payload, pipelineJob.fingerprint!(payload));
    fs.appendFileSync(path.join(src, 'manifest.json'), ' ');
    expect(jobId(pipelineJob.kind!, payload, pipelineJob.fingerprint!(payload))).toBe(id);
    fs.appendFileSync(path.join(src, 'layer.tt'), '\n# edited\n');
    expect(jobId(pipelineJob.kind!, payload, pipelineJob.fingerprint!(payload))).not.toBe(id);
  });
});
