/**
 * Renders a curves CSV of bench/out (mean best-so-far per evaluation, one column per strategy) to
 * SVG and PNG beside it. Usage: plot.ts [stem] (default 'curves', the synthetic benchmark; the
 * real-space bench writes 'real-space-curves' and its variants).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineSpec, writeChart } from '@fuseflow/plots';

const SYNTHETIC = { title: 'Best loss so far (mean over seeds), tabulated noisy benchmark', yTitle: 'best loss (lower is better)', logY: true };
// error rates sit in a narrow band far from zero: a zero-based axis flattens the curves
const REAL = { title: 'Best validation error so far (mean over seeds), real Fashion-MNIST space', yTitle: 'best validation error', yFromZero: false };

/** Renders bench/out/<stem>.csv to <stem>.svg and <stem>.png; returns the files written. */
export async function plotCurves(stem: string): Promise<string[]> {
  const out = path.join(__dirname, 'out');
  const file = path.join(out, `${stem}.csv`);
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run the bench that writes it first`);
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',').slice(1);
  const data = rows.flatMap((r) => {
    const [n, ...v] = r.split(',').map(Number);
    return names.map((s, i) => ({ evaluation: n, strategy: s, best: v[i] }));
  });
  const labels = stem.startsWith('real-space') ? REAL : SYNTHETIC;
  return writeChart(lineSpec(data, { x: 'evaluation', y: 'best', series: 'strategy', ...labels }), path.join(out, stem));
}

if (require.main === module) {
  plotCurves(process.argv[2] ?? 'curves')
    .then((files) => console.log(files.join('\n')))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
