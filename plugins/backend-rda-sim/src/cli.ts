import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, isFuseFlowError, type CliCommandSpec } from '@fuseflow/kernel/plugin-api';
import { dataflowToDot, writeMatrixMarket } from '@fuseflow/ir';
import { readDataDir, writeDataFiles } from './datafiles';
import { importComalGraph } from './proto';
import { simulateGraph } from './simulate';

/**
 * `fuseflow comal-sim <graph.bin> --data <dir>`: runs a tortilla ComalGraph protobuf (e.g. from
 * the original sam-translate) on a Comal data directory. No program is attached, so values are
 * not checked; the output tensor is written in the Comal file layout (and as MatrixMarket when a matrix).
 */
export const comalSimCommand: CliCommandSpec = {
  name: 'comal-sim',
  description: 'simulate a tortilla ComalGraph protobuf on a Comal data directory (tensor_<T>_mode_* files)',
  args: ['<graph>'],
  options: [
    { flags: '--data <dir>', description: 'data directory with tensor_<T>_mode_<l>_seg/_crd/_vals/_shape files' },
    { flags: '--engine <engine>', description: 'fast | reference', default: 'fast' },
    { flags: '--profile <name>', description: 'timing profile (comal | ideal)', default: 'comal' },
    { flags: '--depth <n>', description: 'channel depth (0 = unbounded)', default: '0' },
    { flags: '--hbm [mode]', description: "8-channel HBM model with Comal's parameters: shared (default: nodes contend for the channels) | private (channels per node)" },
    { flags: '--budget <cycles>', description: 'cycle budget (FF_SIM_BUDGET when exceeded)' },
    { flags: '--out <dir>', description: 'write the output tensor (MatrixMarket + Comal files) and graph.dot here' },
    { flags: '--json', description: 'print JSON' },
  ],
  action(args, o, io) {
    try {
      const file = path.resolve(io.cwd, args[0]);
      if (!o.data) throw new FuseFlowError('FF_USAGE', '--data <dir> is required (the Comal data directory with tensor_<T>_mode_* files)');
      // checked here so the message names the graph file, not a bare ENOENT from the read
      if (!fs.existsSync(file)) throw new FuseFlowError('FF_INPUT_INVALID', `graph file ${file} does not exist (expected a tortilla ComalGraph protobuf, e.g. from sam-translate)`);
      if (!fs.statSync(file).isFile()) throw new FuseFlowError('FF_INPUT_INVALID', `graph file ${file} is a directory, not a ComalGraph protobuf file`);
      const { data, tensors } = readDataDir(path.resolve(io.cwd, String(o.data)));
      const g = importComalGraph(new Uint8Array(fs.readFileSync(file)), { tensors });
      const r = simulateGraph(g, data, {
        engine: o.engine === 'reference' ? 'reference' : 'fast',
        timingProfile: String(o.profile ?? 'comal'),
        channelDepth: Number(o.depth ?? 0),
        hbm: parseHbmFlag(o.hbm),
        cycleBudget: o.budget !== undefined ? Number(o.budget) : undefined,
      });
      const files: string[] = [];
      if (o.out) {
        const dir = path.resolve(io.cwd, String(o.out));
        fs.mkdirSync(dir, { recursive: true });
        // MatrixMarket holds matrices only; other ranks are in the Comal files alone.
        if (r.output.shape.length === 2) {
          const mtx = path.join(dir, `${g.output.tensor}.mtx`);
          fs.writeFileSync(mtx, writeMatrixMarket(r.output));
          files.push(mtx);
        }
        fs.writeFileSync(path.join(dir, 'graph.dot'), dataflowToDot(g));
        files.push(path.join(dir, 'graph.dot'), ...writeDataFiles(dir, g.output.tensor, r.output));
      }
      const summary = { graph: g.name, cycles: r.cycles, flops: r.flops, bytes: r.bytes, tokens: r.tokens, valuesChecked: false, files };
      io.stdout(o.json ? JSON.stringify(summary, null, 2) + '\n' : `Elapsed Cycles: ${r.cycles}\nflops ${r.flops}, bytes ${r.bytes}, tokens ${r.tokens}\n${files.map((f) => `wrote ${f}`).join('\n')}\n`);
      return 0;
    } catch (e) {
      io.stderr(`${isFuseFlowError(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`);
      return isFuseFlowError(e) && e.code === 'FF_USAGE' ? 2 : 1;
    }
  },
};

/** comal-sim's `--hbm [mode]`: alone = shared; `--hbm shared|private`; else FF_OPTIONS_INVALID. */
export function parseHbmFlag(v: unknown): boolean | 'shared' | 'private' {
  if (v === undefined || v === false) return false;
  if (v === true || v === 'shared' || v === 'private') return v;
  throw new FuseFlowError('FF_OPTIONS_INVALID', `option --hbm: unknown mode '${String(v)}' (shared | private)`);
}
