import * as path from 'node:path';
import { scatterSpec, writeChart, type Row } from '@fuseflow/plots';
import type { SweepRow } from './dse-searcher';

/** Estimated FLOPs vs bytes (pruned candidates marked) and measured objective vs bytes, as SVG + PNG. */
export async function renderSweepCharts(rows: SweepRow[], objective: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  const est: Row[] = rows.filter((r) => r.estimate).map((r) => ({ candidate: r.label, flops: r.estimate!.flops, bytes: r.estimate!.bytes, status: r.pruned ? 'pruned' : 'kept' }));
  if (est.length) {
    files.push(...(await writeChart(scatterSpec(est, { title: 'Estimated FLOPs vs bytes moved', x: 'flops', y: 'bytes', color: 'status', logX: true, logY: true }), path.join(dir, 'estimates'))));
  }
  const sim: Row[] = rows.filter((r) => r.metrics?.[objective] !== undefined).map((r) => ({ candidate: r.label, [objective]: r.metrics![objective], bytes: r.metrics!.bytes ?? 0, status: r.pruned ? 'pruned' : 'kept' }));
  if (sim.length) {
    files.push(...(await writeChart(scatterSpec(sim, { title: `Simulated ${objective} vs bytes`, x: objective, y: 'bytes', color: 'status', logX: true, logY: true }), path.join(dir, 'simulated'))));
  }
  return files;
}
