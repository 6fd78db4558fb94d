import * as path from 'node:path';
import type { CliCommandSpec } from '@fuseflow/kernel/plugin-api';
import { EXPERIMENTS } from './experiment-defs';
import { progressBar, runExperiment, type ExperimentProgress } from './experiments';
import { writeFig12 } from './experiment-report';
import { writeFigure } from './figures-report';

/** `fuseflow experiment fig12 --mode fast`: one of the paper's experiments as one command. */
export const experimentCommand: CliCommandSpec = {
  name: 'experiment',
  description: `run one of the paper's experiments (${Object.keys(EXPERIMENTS).join(', ')}) and print its table`,
  args: ['<id>'],
  options: [
    { flags: '--mode <mode>', description: 'fast (2 cores, minutes), medium (fig12: the artifact sizes, sampled where a run is too long to simulate whole) or tiny (seconds; tests)', default: 'fast' },
    { flags: '--out <dir>', description: 'output folder', default: 'out/experiments' },
    { flags: '--resume', description: 'continue an interrupted run (finished runs are not repeated)' },
    { flags: '--fresh', description: 'start over: move the results of an earlier run in --out aside (renamed with a timestamp); without --resume or --fresh an earlier run refuses' },
    { flags: '--executor <name>', description: 'auto | inline | pool', default: 'auto' },
    { flags: '--threads <n>', description: 'worker threads of the local pool (default: cores)' },
    { flags: '--queue <url>', description: 'run on `fuseflow worker` processes through Redis, e.g. redis://127.0.0.1:6379' },
    { flags: '--examples <dir>', description: 'bundled examples folder (default: found from the current folder)' },
    { flags: '--only <regex>', description: 'run only the runs whose key group|label|configuration|x matches, e.g. "^GCN\\|cora\\|"' },
    { flags: '--exact', description: 'simulate every run whole (ignore the definition\'s sampling)' },
    { flags: '--json', description: 'print JSON instead of the table' },
  ],
  async action(args, options, io) {
    const def = EXPERIMENTS[args[0]];
    if (!def) {
      io.stderr(`unknown experiment "${args[0]}"; available: ${Object.keys(EXPERIMENTS).join(', ')}\n`);
      return 2;
    }
    const mode = String(options.mode ?? 'fast');
    let only: RegExp | undefined;
    if (options.only !== undefined) {
      try {
        only = new RegExp(String(options.only));
      } catch (e) {
        io.stderr(`FF_OPTIONS_INVALID: --only: not a regular expression: ${(e as Error).message}\n`);
        return 2;
      }
    }
    const outDir = path.resolve(io.cwd, String(options.out ?? 'out/experiments'), `${def.id}-${mode}`);
    const t0 = Date.now();
    let lastLine = 0;
    let last: { message: string; at: number; progress?: ExperimentProgress } | undefined;
    // Runs of the medium sweep take minutes each: between completions, repeat the progress line
    // with the elapsed time so a log shows the sweep is alive.
    const heartbeat = setInterval(() => {
      if (!last?.progress) return;
      const p = last.progress;
      const elapsed = p.elapsedMs + (Date.now() - last.at);
      const eta = p.etaMs !== undefined ? `, ETA ${Math.max(0, Math.round((p.etaMs - (Date.now() - last.at)) / 60000))} min` : '';
      io.stderr(`${def.id} ${progressBar(p.workDone)} ${p.done}/${p.total} runs, ${Math.round(elapsed / 60000)} min elapsed${eta} (running)\n`);
    }, io.isTTY ? 15_000 : 60_000);
    heartbeat.unref();
    let results: Awaited<ReturnType<typeof runExperiment>>;
    try {
      results = await runExperiment(def, {
        mode,
        ...(only ? { only } : {}),
        exact: Boolean(options.exact),
        outDir,
        resume: Boolean(options.resume),
        fresh: Boolean(options.fresh),
        executor: (options.executor as 'auto' | 'inline' | 'pool') ?? 'auto',
        ...(options.threads ? { threads: Number(options.threads) } : {}),
        ...(options.queue ? { queue: String(options.queue) } : {}),
        ...(options.examples ? { examplesDir: path.resolve(io.cwd, String(options.examples)) } : {}),
        onProgress: (done, total, message, progress) => {
          last = { message, at: Date.now(), progress };
          // One line per finished run off a TTY; at most every 2 s on a TTY.
          if (!io.isTTY || Date.now() - lastLine > 2000 || done === total) {
            lastLine = Date.now();
            io.stderr(`${message}\n`);
          }
        },
      });
    } finally {
      clearInterval(heartbeat);
    }
    const wall = (Date.now() - t0) / 1000;
    const { text, files, rows } = def.id === 'fig12' ? await writeFig12(results, outDir) : await writeFigure(def.id, results, outDir);
    // Resumed runs count with the CPU they took when they ran.
    const cpu = results.reduce((a, r) => a + (r.cpuSeconds ?? 0), 0);
    if (options.json) io.stdout(JSON.stringify({ experiment: def.id, mode, wallSeconds: wall, cpuSeconds: Math.round(cpu * 10) / 10, rows, files }, null, 2) + '\n');
    else io.stdout(`${def.title} — mode ${mode}, ${results.length} runs in ${wall.toFixed(1)} s wall, ${cpu.toFixed(0)} CPU s summed over runs\n\n${text}\n\nfiles: ${files.join(', ')}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
