/** Renders bench/out/curves.csv (mean best-so-far per evaluation) to bench/out/curves.{svg,png}. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineSpec, writeChart } from '@fuseflow/plots';

async function main(): Promise<void> {
  const out = path.join(__dirname, 'out');
  const [header, ...rows] = fs.readFileSync(path.join(out, 'curves.csv'), 'utf8').trim().split('\n');
  const names = header.split(',').slice(1);
  const data = rows.flatMap((r) => {
    const [n, ...v] = r.split(',').map(Number);
    return names.map((s, i) => ({ evaluation: n, strategy: s, best: v[i] }));
  });
  const files = await writeChart(
    lineSpec(data, { x: 'evaluation', y: 'best', series: 'strategy', title: 'Best loss so far (mean over seeds), tabulated noisy benchmark', yTitle: 'best loss (lower is better)', logY: true }),
    path.join(out, 'curves'),
  );
  console.log(files.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
