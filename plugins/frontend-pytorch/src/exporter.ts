import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';

/** The Python exporter shipped with this package (torch.fx JSON + ONNX + reference outputs). */
export const EXPORTER_SCRIPT = path.resolve(__dirname, '..', 'python', 'fuseflow_export.py');

/** One export: a model file, an output folder, and optionally the class, spec, name and opset. */
export interface ExportJob {
  model: string;
  out: string;
  class?: string;
  spec?: { config?: Record<string, unknown>; seed?: number; inputs?: Record<string, unknown> };
  name?: string;
  opset?: number;
}

const hasTorch = (py: string): boolean => spawnSync(py, ['-c', 'import torch, torch.fx'], { stdio: 'ignore', timeout: 60_000 }).status === 0;

/** A python that can import torch: $FUSEFLOW_PYTHON, then /usr/bin/python3 (Debian's python3-torch), then python3. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.FUSEFLOW_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  return candidates.find(hasTorch);
}

/** Runs the exporter once for several models (torch starts once); returns the written files per job. */
export function exportModels(jobs: ExportJob[], opts: { python?: string; tmpDir?: string } = {}): Array<{ name: string; files: string[] }> {
  const python = opts.python ?? findTorchPython();
  if (!python) {
    throw new FuseFlowError('FF_INPUT_INVALID', 'no python with PyTorch found (tried $FUSEFLOW_PYTHON, /usr/bin/python3, python3)', {
      suggestion: 'install Debian python3-torch (apt-get install python3-torch) or set FUSEFLOW_PYTHON',
    });
  }
  const dir = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'fuseflow-export-'));
  const jobsFile = path.join(dir, 'jobs.json');
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  const r = spawnSync(python, [EXPORTER_SCRIPT, '--batch', jobsFile], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) {
    throw new FuseFlowError('FF_INPUT_INVALID', `fuseflow-export failed (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout || '').trim().split('\n').slice(-15).join('\n')}`);
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Array<{ name: string; files: string[] }>;
}
