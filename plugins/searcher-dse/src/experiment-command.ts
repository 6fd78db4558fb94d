import * as path from 'node:path';
import type { CliCommandSpec } from '@fuseflow/kernel';
import { EXPERIMENTS } from './experiment-defs';
import { runExperiment } from './experiments';
import { writeFig12 } from './experiment-report';
import { writeFigure } from './figures-report';

/** `fuseflow experiment fig12 --mode fast`: one of the paper's experiments as one command. */
export const experimentCommand: CliCommandSpec = {
  name: 'experiment',
  description: `run one of the paper's experiments (${Object.keys(EXPERIMENTS).join(', ')}) and print its table`,
  args: ['<id>'],
  options: [
    { flags: '--mode <mode>', description: 'fast (2 cores, minutes), medium (bundled full sizes, hours) or tiny (seconds; tests, fig14-17 only)', default: 'fast' },
    { flags: '--out <dir>', description: 'output folder', default: 'out/experiments' },
    { flags: '--resume', description: 'continue an interrupted run (finished runs are not repeated)' },
    { flags: '--executor <name>', description: 'auto | inline | pool', default: 'auto' },
    { flags: '--threads <n>', description: 'worker threads of the local pool (default: cores)' },
    { flags: '--queue <url>', description: 'run on `fuseflow worker` processes through Redis, e.g. redis://127.0.0.1:6379' },
    { flags: '--examples <dir>', description: 'bundled examples folder (default: found from the current folder)' },
    { flags: '--json', description: 'print JSON instead of the table' },
  ],
  async action(args, options, io) {
    const def = EXPERIMENTS[args[0]];
    if (!def) {
      io.stderr(`unknown experiment "${args[0]}"; available: ${Object.keys(EXPERIMENTS).join(', ')}\n`);
      return 2;
    }
    const mode = String(options.mode ?? 'fast');
    const outDir = path.resolve(io.cwd, String(options.out ?? 'out/experiments'), `${def.id}-${mode}`);
    const t0 = Date.now();
    let lastLine = 0;
    const results = await runExperiment(def, {
      mode,
      outDir,
      resume: Boolean(options.resume),
      executor: (options.executor as 'auto' | 'inline' | 'pool') ?? 'auto',
      ...(options.threads ? { threads: Number(options.threads) } : {}),
      ...(options.queue ? { queue: String(options.queue) } : {}),
      ...(options.examples ? { examplesDir: path.resolve(io.cwd, String(options.examples)) } : {}),
      onProgress: (done, total, message) => {
        // One line per finished run off a TTY; at most every 2 s on a TTY.
        if (!io.isTTY || Date.now() - lastLine > 2000 || done === total) {
          lastLine = Date.now();
          io.stderr(`${message}\n`);
        }
      },
    });
    const wall = (Date.now() - t0) / 1000;
    const { text, files, rows } = def.id === 'fig12' ? await writeFig12(results, outDir) : await writeFigure(def.id, results, outDir);
    if (options.json) io.stdout(JSON.stringify({ experiment: def.id, mode, wallSeconds: wall, rows, files }, null, 2) + '\n');
    else io.stdout(`${def.title} — mode ${mode}, ${results.length} runs in ${wall.toFixed(1)} s\n\n${text}\n\nfiles: ${files.join(', ')}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
