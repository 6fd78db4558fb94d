import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Help, Option } from 'commander';
import type { CliCommandSpec, CliIo, PluginCandidate, PluginCommandMetadata, RunManifestOptions, RunResult } from '@fuseflow/kernel';
// Discovery alone: the kernel's runner (ajv, tsyringe) is loaded only by commands that run something.
import { PluginLoader } from '@fuseflow/kernel/plugin-loader';
import { exitCodeFor, formatDiagnostic, formatError } from './errors';
import { cmdDatasets } from './datasets';
import { processIo } from './io';
import { cmdSchema } from './schema-command';
import { formatNumber, formatTable } from './table';

type Kernel = typeof import('@fuseflow/kernel');
/** The kernel's runner, required on first use so that --help and plugin commands do not pay for it. */
function kernel(): Kernel {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@fuseflow/kernel') as Kernel;
}
function toRunError(e: unknown) {
  return kernel().toRunError(e);
}

/** The CLI package's version (src/ and dist/ both sit one level under the package folder). */
export function cliVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Built-in command names; a plugin command with one of these names is ignored. */
export const BUILTIN_COMMANDS = ['run', 'validate', 'plugins', 'search', 'datasets', 'schema', 'help'];

interface GlobalOptions {
  passes?: string;
  /** --print-ir-after <pass...>: write the IR after these passes as text (instrument.printIrAfter). */
  printIrAfter?: string[];
  seed?: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseSeed(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new CommanderError(2, 'fuseflow.usage', `--seed: expected an integer, got "${v}"`);
  return Number(v);
}

function parseBudget(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CommanderError(2, 'fuseflow.usage', `--budget: expected a positive integer, got "${v}"`);
  return Number(v);
}

function kernelOptions(g: GlobalOptions, io: CliIo): RunManifestOptions {
  // IR stages verify and print themselves (their plugins contribute them): nothing to pass here
  return {
    ...(g.printIrAfter !== undefined ? { printIrAfter: g.printIrAfter } : {}),
    ...(g.passes !== undefined ? { passes: g.passes } : {}),
    ...(g.seed !== undefined ? { seed: g.seed } : {}),
    ...(g.out !== undefined ? { outDir: path.resolve(io.cwd, g.out) } : {}),
  };
}

/**
 * Headline table of a run: one row per configuration, speedup over the first configuration. With
 * `passes` (the --passes override) rows are labelled by it: the configuration's own passes did not run.
 */
export function formatRunTable(res: RunResult, passes?: string): string {
  const baseCycles = res.runs.find((r) => r.report?.metrics.cycles !== undefined)?.report?.metrics.cycles;
  const rows = [['configuration', 'status', 'cycles', 'speedup', 'flops', 'bytes', 'values checked']];
  for (const r of res.runs) {
    const m = r.report?.metrics ?? {};
    const speedup = baseCycles !== undefined && m.cycles ? `${(baseCycles / m.cycles).toFixed(2)}x` : '-';
    const checked = r.report?.valuesChecked === undefined ? '-' : r.report.valuesChecked ? 'yes' : 'NO';
    const label = passes === undefined ? (r.configuration ?? '(default)') : `${r.configuration ? `${r.configuration} + ` : ''}--passes "${passes}"`;
    rows.push([label, r.error ? `error ${r.error.code}` : 'ok', formatNumber(m.cycles), speedup, formatNumber(m.flops), formatNumber(m.bytes), checked]);
  }
  return formatTable(rows, [false, false, true, true, true, true, false]);
}

function resolvePath(io: CliIo, p: string): string {
  return path.resolve(io.cwd, p);
}

/** Progress drawing (cli-progress), required by the commands that run something. */
function attachProgress(...a: Parameters<typeof import('./progress').attachProgress>) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./progress') as typeof import('./progress')).attachProgress(...a);
}

/**
 * --passes replaces the passes of every configuration: configurations that differ in nothing else
 * would run one pipeline several times under labels ("unfused", "fully fused") that no longer hold.
 * Returns the usage message refusing that, or undefined when the run is meaningful.
 */
function passesOverrideClash(file: string, opts: { configuration?: string[] }, g: GlobalOptions, io: CliIo): string | undefined {
  let r: ReturnType<Kernel['resolveManifest']>;
  try {
    r = kernel().resolveManifest(file, { ...kernelOptions(g, io), ...(opts.configuration ? { configurations: opts.configuration } : {}) });
  } catch {
    return undefined; // runManifest reports the manifest's own error
  }
  const byPipeline = new Map<string, string[]>();
  for (const p of r.pipelines) {
    const key = JSON.stringify([p.frontend.use, p.frontend.options, p.backend.use, p.backend.options]);
    byPipeline.set(key, [...(byPipeline.get(key) ?? []), p.configuration ?? '(default)']);
  }
  const same = [...byPipeline.values()].find((names) => names.length > 1);
  if (!same) return undefined;
  return `--passes "${g.passes}" replaces the passes of every configuration, so ${same.map((n) => `"${n}"`).join(', ')} would all run the same pipeline; choose one with -c <name> (its frontend and backend) or drop --passes`;
}

/** File-name-safe form of a configuration or graph name. */
const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * --dot: the dataflow graphs each configuration ran, from the session's instrumentation events (one
 * after every producing hook; the last dataflow module of a configuration is the one its backend got).
 */
function captureDataflow(events: import('@fuseflow/kernel').KernelEmitter) {
  const graphs = new Map<string, Array<{ name: string } & Record<string, unknown>>>();
  events.on('ir:after', (e) => {
    if (e.module.stage === 'dataflow' && Array.isArray(e.module.graphs)) graphs.set(e.configuration ?? '', e.module.graphs as Array<{ name: string } & Record<string, unknown>>);
  });
  return {
    graphs: graphs as unknown as Map<string, import('@fuseflow/ir').DataflowGraph[]>,
    /** Write <dir>/[<configuration>/]<k>-<graph>.dot; returns the files written. */
    write(dir: string): string[] {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { dataflowToDot } = require('@fuseflow/ir') as typeof import('@fuseflow/ir');
      const files: string[] = [];
      for (const [conf, list] of graphs) {
        const sub = conf ? path.join(dir, slug(conf)) : dir;
        fs.mkdirSync(sub, { recursive: true });
        list.forEach((gr, k) => {
          const f = path.join(sub, `${String(k).padStart(2, '0')}-${slug(gr.name)}.dot`);
          fs.writeFileSync(f, dataflowToDot(gr as unknown as Parameters<typeof dataflowToDot>[0]) + '\n');
          files.push(f);
        });
      }
      return files;
    },
  };
}

async function cmdRun(manifest: string, opts: { configuration?: string[]; dot?: string; report?: boolean }, g: GlobalOptions, io: CliIo): Promise<number> {
  const { createKernelEmitter, runManifest } = kernel();
  if (g.passes !== undefined) {
    const clash = passesOverrideClash(resolvePath(io, manifest), opts, g, io);
    if (clash) throw new CommanderError(2, 'fuseflow.usage', clash);
  }
  const events = createKernelEmitter();
  const options = { ...kernelOptions(g, io), events, ...(opts.configuration ? { configurations: opts.configuration } : {}) };
  // the graphs feed --dot and report.html
  const captured = captureDataflow(events);
  const dot = opts.dot !== undefined ? captured : undefined;
  const detach = attachProgress(events, io, { quiet: g.quiet });
  const printed = g.printIrAfter ? listPrintedIr(events, io, !!g.json) : undefined;
  const res = await runManifest(resolvePath(io, manifest), options);
  detach();
  if (printed && g.json) (res as RunResult & { irFiles?: string[] }).irFiles = printed;
  let report = '';
  if (res.runs.length && opts.report !== false) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { reportLine, writeRunReport } = require('@fuseflow/report') as typeof import('@fuseflow/report');
    const rep = await writeRunReport(res, captured.graphs);
    if (g.json) (res as RunResult & { report?: string }).report = rep.file;
    // (charts that could not be drawn are explained in the page itself)
    report = reportLine(rep);
  }
  if (dot) {
    const files = dot.write(resolvePath(io, opts.dot!));
    // JSON consumers find the files in the result; people get one line each
    if (g.json) (res as RunResult & { dotFiles?: string[] }).dotFiles = files;
    else if (files.length) io.stderr(`dot: ${files.length} dataflow graph${files.length > 1 ? 's' : ''} in ${resolvePath(io, opts.dot!)}`);
    if (!files.length) io.stderr(`--dot: no dataflow graph to write (the pipeline ${res.ok ? 'does not lower to the dataflow stage' : 'failed before lowering'})`);
  }
  if (g.json) io.stdout(JSON.stringify(res, null, 2));
  else if (res.runs.length) {
    io.stdout(formatRunTable(res, g.passes));
    for (const r of res.runs) if (r.error) io.stderr(`[${r.configuration ?? 'run'}] ${formatError(r.error)}`);
    io.stdout(`results: ${path.join(res.outDir, 'results.json')}`);
    if (report) io.stdout(report);
  }
  if (res.ok) return 0;
  if (!g.json && res.runs.length === 0 && res.error) io.stderr(formatError(res.error));
  return res.runs.length === 0 && res.error ? exitCodeFor(res.error) : 1;
}

async function cmdSearch(manifest: string, opts: { budget?: number; resume?: boolean; fresh?: boolean; queue?: string }, g: GlobalOptions, io: CliIo): Promise<number> {
  const searchOptions: Record<string, unknown> = {};
  if (opts.budget !== undefined) searchOptions.budget = opts.budget;
  if (opts.resume && opts.fresh) throw new CommanderError(2, 'fuseflow.usage', 'give --resume (continue the earlier search) or --fresh (move its results aside), not both');
  if (opts.resume) searchOptions.resume = true;
  if (opts.fresh) searchOptions.fresh = true;
  if (opts.queue !== undefined) {
    if (!/^rediss?:\/\//.test(opts.queue)) throw new CommanderError(2, 'fuseflow.usage', `--queue: expected redis://[:password@]host:port or rediss:// (TLS), got "${opts.queue.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')}"`);
    searchOptions.queue = opts.queue;
  }
  const { createKernelEmitter, resolveManifest, runManifest } = kernel();
  const file = resolvePath(io, manifest);
  let hasSearch = false;
  try {
    hasSearch = !!resolveManifest(file, kernelOptions(g, io)).search;
  } catch (e) {
    io.stderr(formatError(toRunError(e)));
    return exitCodeFor(toRunError(e));
  }
  if (!hasSearch) {
    io.stderr(`FF_MANIFEST_INVALID: ${file} has no "search" block\n  suggestion: add "search": { "use": "<searcher id>", "options": { ... } } or use \`fuseflow run\``);
    return 2;
  }
  const events = createKernelEmitter();
  const detach = attachProgress(events, io, { quiet: g.quiet });
  const res = await runManifest(file, { ...kernelOptions(g, io), events, searchOptions });
  detach();
  if (g.json) io.stdout(JSON.stringify(res, null, 2));
  else if (res.search) {
    const s = res.search;
    io.stdout(s.text ?? `searcher ${s.searcher}: ${s.evaluations} evaluations\nbest: ${JSON.stringify(s.best)}${s.pareto ? `\npareto front: ${s.pareto.length} points` : ''}`);
    io.stdout(`results: ${path.join(res.outDir, 'results.json')}`);
  }
  if (res.ok) return 0;
  if (res.error && !g.json) io.stderr(formatError(res.error));
  return res.error ? exitCodeFor(res.error) : 1;
}

async function cmdValidate(manifest: string, opts: { printIr?: boolean }, g: GlobalOptions, io: CliIo): Promise<number> {
  const { Session, formatPassPipeline } = kernel();
  const file = resolvePath(io, manifest);
  let session: import('@fuseflow/kernel').Session;
  try {
    session = Session.open(file, kernelOptions(g, io));
  } catch (e) {
    const err = toRunError(e);
    if (g.json) io.stdout(JSON.stringify({ ok: false, error: err }, null, 2));
    else io.stderr(formatError(err));
    return exitCodeFor(err);
  }
  const r = session.resolved;
  const use = (u: { use: string; plugin: { name: string; version: string }; options: Record<string, unknown> }) => `${u.use} (${u.plugin.name}@${u.plugin.version}) ${JSON.stringify(u.options)}`;
  if (g.json) {
    io.stdout(JSON.stringify({ ok: true, name: r.name, seed: r.seed, ...(r.warnings.length ? { warnings: r.warnings } : {}), pipelines: r.pipelines.map((p) => ({ configuration: p.configuration, frontend: p.frontend.use, passes: formatPassPipeline(p.passes.map((x) => ({ use: x.use, options: x.options }))), backend: p.backend.use })), search: r.search?.use, reporters: r.reporters.map((x) => x.use) }, null, 2));
  } else {
    io.stdout(`${file}: valid (name "${r.name}", seed ${r.seed})`);
    // A re-run resolved manifest that records other plugin versions still validates; say so.
    for (const w of r.warnings) io.stderr(formatDiagnostic(w));
    for (const p of r.pipelines) {
      io.stdout(`${p.configuration ? `configuration ${p.configuration}` : 'pipeline'}:`);
      io.stdout(`  frontend  ${use(p.frontend)}`);
      for (const x of p.passes) io.stdout(`  pass      ${use(x)}`);
      io.stdout(`  backend   ${use(p.backend)}`);
      io.stdout(`  as --passes: "${formatPassPipeline(p.passes.map((x) => ({ use: x.use, options: x.options })))}"`);
    }
    if (r.search) io.stdout(`search      ${use(r.search)}`);
    for (const x of r.reporters) io.stdout(`reporter    ${use(x)}`);
  }
  if (opts.printIr || g.printIrAfter) {
    const printed = g.printIrAfter ? listPrintedIr(session.events, io, false) : undefined;
    for (const p of r.pipelines) {
      try {
        const { ir, text } = await session.compile(p);
        if (opts.printIr) {
          io.stdout(`--- IR (${ir.stage}) after the passes${p.configuration ? ` of ${p.configuration}` : ''} ---`);
          io.stdout(text);
        }
      } catch (e) {
        io.stderr(formatError(toRunError(e)));
        return 1;
      }
    }
    if (printed && !printed.length) io.stderr(`--print-ir-after ${g.printIrAfter!.join(' ')}: no such pass ran (give a pass id, its "use" name, or all)`);
  }
  return 0;
}

/** --print-ir-after: name each IR text file as the session writes it; returns the list (filled as the run goes). */
function listPrintedIr(events: import('@fuseflow/kernel').KernelEmitter, io: CliIo, quiet: boolean): string[] {
  const files: string[] = [];
  events.on('ir:printed', (e) => {
    files.push(e.file);
    if (!quiet) io.stderr(`IR after ${e.pass} (${e.runId}): ${e.file}`);
  });
  return files;
}

/** One-line summary of an options schema: `name:type=default`, required keys marked with `!`. */
export function summariseOptions(c: PluginCandidate, maxLength = Infinity): string {
  const full = summariseAll(c);
  return full.length > maxLength ? `${full.slice(0, maxLength - 1)}…` : full;
}

/**
 * One row per top-level option of a plugin: its type (or enum), whether it is required, and its
 * default (the plugin's defaultOptions first, as the kernel merges them, then the schema's).
 */
function optionRows(p: PluginCandidate['plugin']): Array<{ key: string; type: string; required: boolean; default: unknown; description: string }> {
  const schema = (p?.optionsSchema ?? {}) as { properties?: Record<string, { type?: unknown; enum?: unknown[]; default?: unknown; description?: string }>; required?: string[] };
  const defaults = (p?.defaultOptions ?? {}) as Record<string, unknown>;
  return Object.entries(schema.properties ?? {}).map(([key, s]) => ({
    key,
    type: s.enum ? s.enum.map(String).join('|') : Array.isArray(s.type) ? s.type.join('|') : String(s.type ?? 'any'),
    required: !!schema.required?.includes(key),
    default: defaults[key] ?? s.default,
    description: s.description ?? '',
  }));
}

function summariseAll(c: PluginCandidate): string {
  const rows = optionRows(c.plugin);
  if (!rows.length) return '-';
  return rows.map((r) => `${r.key}${r.required ? '!' : ''}:${r.type}${r.default !== undefined ? `=${JSON.stringify(r.default)}` : ''}`).join(' ');
}

/** A candidate's JSON shape for `plugins --json` (imports the plugin). */
function pluginJson(c: PluginCandidate) {
  return { package: c.packageName, location: c.location, origin: c.origin, kind: c.plugin?.kind, id: c.plugin?.id, version: c.plugin?.version, description: c.plugin?.description, aliases: Object.keys(c.plugin?.aliases ?? {}), optionsSchema: c.plugin?.optionsSchema, defaultOptions: c.plugin?.defaultOptions, commands: c.plugin?.commands?.map((x) => x.name), ok: !c.error, error: c.error };
}

/**
 * `plugins <id>`: the plugins answering to an id, alias or package name. Candidates with package.json
 * metadata are matched without importing them, so only the chosen plugin is loaded.
 */
function cmdPluginDetail(loader: PluginLoader, id: string, g: GlobalOptions, io: CliIo): number {
  const found = loader.discover();
  const answers = (c: PluginCandidate) => c.packageName === id || (c.meta ? c.meta.id === id || (c.meta.aliases ?? []).includes(id) : !c.error && (c.plugin!.id === id || Object.prototype.hasOwnProperty.call(c.plugin!.aliases ?? {}, id)));
  const hits = found.filter(answers);
  if (!hits.length) {
    const names = found.flatMap((c) => [c.packageName, ...(c.meta ? [c.meta.id, ...(c.meta.aliases ?? [])] : c.error ? [] : [c.plugin!.id, ...Object.keys(c.plugin!.aliases ?? {})])]);
    const guess = kernel().didYouMean(id, names);
    const err = { code: 'FF_PLUGIN_NOT_FOUND', message: `no installed plugin "${id}" (looked for an id, alias or package name among ${found.length} plugins)`, suggestion: guess ? `did you mean "${guess}"? ('fuseflow plugins' lists them all)` : `'fuseflow plugins' lists the installed plugins` };
    if (g.json) io.stdout(JSON.stringify({ ok: false, error: err }, null, 2));
    else io.stderr(formatError(err));
    return exitCodeFor(err);
  }
  if (g.json) {
    io.stdout(JSON.stringify(hits.length === 1 ? pluginJson(hits[0]) : hits.map(pluginJson), null, 2));
    return hits.some((c) => c.error) ? 1 : 0;
  }
  const blocks: string[] = [];
  for (const c of hits) {
    if (c.error || !c.plugin) {
      blocks.push(`${c.packageName} (${c.location})\n  broken: ${c.error}`);
      continue;
    }
    const p = c.plugin;
    const lines = [`${p.kind} ${p.id} ${p.version}  ${c.packageName} (${c.origin}: ${c.location})`];
    if (p.description) lines.push(`  ${p.description}`);
    const aliases = Object.keys(p.aliases ?? {});
    if (aliases.length) lines.push(`  aliases: ${aliases.join(', ')}`);
    const options = optionRows(p);
    if (options.length) {
      const rows = [['option', 'type', 'default', 'description']];
      for (const r of options) rows.push([`${r.key}${r.required ? ' (required)' : ''}`, r.type, r.default === undefined ? '-' : JSON.stringify(r.default), r.description]);
      lines.push('  options:', ...formatTable(rows).split('\n').map((l) => `    ${l}`));
    } else lines.push('  options: none');
    const commands = p.commands ?? [];
    if (commands.length) lines.push(`  commands: ${commands.map((x) => x.name).join(', ')}`);
    blocks.push(lines.join('\n'));
  }
  io.stdout(blocks.join('\n\n'));
  return hits.some((c) => c.error) ? 1 : 0;
}

function cmdPlugins(loader: PluginLoader, g: GlobalOptions, io: CliIo): number {
  const found = loader.discover();
  if (g.json) {
    io.stdout(JSON.stringify(found.map(pluginJson), null, 2));
    return 0;
  }
  const order = ['frontend', 'pass', 'backend', 'searcher', 'reporter'];
  const ok = found.filter((c) => !c.error).sort((a, b) => order.indexOf(a.plugin!.kind) - order.indexOf(b.plugin!.kind) || a.plugin!.id.localeCompare(b.plugin!.id));
  const rows = [['kind', 'id', 'version', 'package', 'options', 'commands']];
  for (const c of ok) rows.push([c.plugin!.kind, c.plugin!.id, c.plugin!.version, c.packageName, summariseOptions(c, 72), (c.plugin!.commands ?? []).map((x) => x.name).join(' ') || '-']);
  io.stdout(formatTable(rows));
  const broken = found.filter((c) => c.error);
  if (broken.length) {
    io.stdout(`\nbroken (${broken.length}):`);
    for (const c of broken) io.stdout(`  ${c.packageName}: ${c.error}`);
  }
  return 0;
}

/** Give `cmd` the options and action of a plugin's command spec. */
function completePluginCommand(cmd: Command, spec: CliCommandSpec, owner: string, io: CliIo, setCode: (n: number) => void): void {
  cmd.description(`${spec.description} [${owner}]`);
  for (const a of spec.args ?? []) cmd.argument(a);
  for (const o of spec.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.repeatable) opt.argParser((v: string, prev: unknown) => [...((prev as string[] | undefined) ?? []), v]);
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  cmd.action(async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const args = (command.processedArgs as unknown[]).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]));
    try {
      setCode(await spec.action(args, command.optsWithGlobals(), withRunner(io)));
    } catch (e) {
      const err = toRunError(e);
      io.stderr(formatError(err.code === 'FF_INTERNAL' ? { code: 'FF_PLUGIN_ERROR', message: `[plugin ${owner}] command "${spec.name}" failed: ${(e as Error).message}` } : err));
      setCode(exitCodeFor(err) === 2 ? 2 : 1);
    }
  });
}

/**
 * A plugin command known from package.json metadata only: enough for the help listing. Its plugin
 * is imported (and the command completed with its options and action) when the command is about
 * to run or show its own help.
 */
interface CommandStub {
  meta: PluginCommandMetadata;
  completed: boolean;
  complete(): void;
}

/**
 * The io a plugin command gets: `container` holds the kernel's RUNNER (created on first read, so a
 * command that runs nothing does not load the runner).
 */
function withRunner(io: CliIo): CliIo {
  let c: CliIo['container'];
  return Object.defineProperty({ ...io }, 'container', {
    enumerable: true,
    get() {
      return (c ??= kernel().createHostContainer({ baseDir: io.cwd }));
    },
  });
}

/** Add every plugin command: from metadata where the plugin declares its commands, else by importing it. */
function addPluginCommands(program: Command, loader: PluginLoader, io: CliIo, setCode: (n: number) => void): Map<string, CommandStub> {
  const stubs = new Map<string, CommandStub>();
  const taken = new Set(BUILTIN_COMMANDS);
  for (const c of loader.discover()) {
    const declared = c.meta?.commands;
    if (declared) {
      for (const meta of declared) {
        if (taken.has(meta.name)) continue;
        taken.add(meta.name);
        // arguments and options come from the plugin itself when it is completed
        const cmd = program.command(meta.name).description(`${meta.description} [${c.packageName}]`);
        const stub: CommandStub = {
          meta,
          completed: false,
          complete: () => {
            if (stub.completed) return;
            stub.completed = true;
            const spec = c.error ? undefined : c.plugin?.commands?.find((x) => x.name === meta.name);
            if (spec) return completePluginCommand(cmd, spec, c.packageName, io, setCode);
            const why = c.error ?? `it does not contribute the command its package.json declares`;
            cmd.allowUnknownOption().allowExcessArguments().action(() => {
              io.stderr(formatError({ code: 'FF_PLUGIN_ERROR', message: `[plugin ${c.packageName}] command "${meta.name}" is unavailable: ${why}` }));
              setCode(1);
            });
          },
        };
        stubs.set(meta.name, stub);
      }
      continue;
    }
    for (const spec of c.plugin && !c.error ? (c.plugin.commands ?? []) : []) {
      if (taken.has(spec.name)) continue;
      taken.add(spec.name);
      completePluginCommand(program.command(spec.name), spec, c.packageName, io, setCode);
    }
  }
  return stubs;
}

/** Plugin commands of a program still waiting for their plugin (see addPluginCommands). */
const STUBS = new WeakMap<Command, Map<string, CommandStub>>();

/** Build the commander program (plugin commands included unless `withPlugins` is false). */
export function buildProgram(io: CliIo, setCode: (n: number) => void, loader: PluginLoader | undefined): Command {
  const program = new Command('fuseflow');
  let stubs = new Map<string, CommandStub>();
  const baseTerm = Help.prototype.subcommandTerm;
  program
    .description('FuseFlow: compile sparse ML models to dataflow, simulate them, and search the design space.')
    .version(cliVersion(), '-V, --version', 'print the fuseflow version')
    .option('--passes <pipeline>', 'pass pipeline replacing the manifest passes, e.g. "fusion{granularity=full},parallelize{factor=4}"')
    .option('--seed <n>', 'seed of every random choice (overrides the manifest)', parseSeed)
    .option('--print-ir-after <passes>', 'write the IR after these passes as text, comma-separated ids or "all" (instrument.printIrAfter); validate runs the frontend and passes for it', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--out <dir>', 'output folder (default: <manifest dir>/out/<name>)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-q, --quiet', 'no progress output')
    .exitOverride()
    // the whole help buries the error; name the command whose help to read instead
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    // a stub has no options or arguments yet; its help line reads as the loaded command's ("name [options] <args>")
    .configureHelp({
      subcommandTerm(cmd: Command): string {
        const stub = stubs.get(cmd.name());
        return stub && !stub.completed ? [cmd.name(), '[options]', ...(stub.meta.args ?? [])].join(' ') : baseTerm.call(this, cmd);
      },
    })
    // the plugin behind a command is imported only once that command is chosen
    .hook('preSubcommand', (_program: Command, sub: Command) => stubs.get(sub.name())?.complete());
  const g = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions;

  program
    .command('run')
    .description('run a manifest: every configuration, then print cycles, speedup, flops, bytes')
    .argument('<manifest>', 'pipeline manifest (JSON)')
    .option('-c, --configuration <name...>', 'run only these configurations')
    .option('--dot <dir>', 'write each dataflow graph as Graphviz DOT: <dir>/<configuration>/<k>-<graph>.dot')
    .option('--no-report', 'do not write report.html (its graph layout costs about 1 CPU-s per 300 nodes)')
    .action(async (manifest: string, opts: { configuration?: string[]; dot?: string; report?: boolean }, cmd: Command) => setCode(await cmdRun(manifest, opts, g(cmd), io)));
  program
    .command('validate')
    .description('validate a manifest and print the resolved pipeline (plugins, versions, options)')
    .argument('<manifest>', 'pipeline manifest (JSON)')
    .option('--print-ir', 'also run the frontend and passes and print the resulting IR')
    .action(async (manifest: string, opts: { printIr?: boolean }, cmd: Command) => setCode(await cmdValidate(manifest, opts, g(cmd), io)));
  program
    .command('search')
    .description("run the manifest's searcher (design-space exploration)")
    .argument('<manifest>', 'pipeline manifest with a "search" block')
    .option('--budget <n>', 'number of evaluations (passed to the searcher as options.budget)', parseBudget)
    .option('--resume', 'continue a previous search (passed to the searcher as options.resume)')
    .option('--fresh', 'start over: move the results of a previous search aside, renamed with a timestamp (options.fresh); without --resume or --fresh a previous sweep refuses')
    .option('--queue <url>', 'run evaluations on `fuseflow worker` processes through Redis (options.queue), e.g. redis://127.0.0.1:6379')
    .action(async (manifest: string, opts: { budget?: number; resume?: boolean; fresh?: boolean; queue?: string }, cmd: Command) => setCode(await cmdSearch(manifest, opts, g(cmd), io)));
  program
    .command('datasets')
    .description('list the bundled graph datasets (nodes, edges, features, classes, source), or one in detail')
    .argument('[name]', 'a bundled dataset, e.g. cora')
    .action((name: string | undefined, _opts: unknown, cmd: Command) => setCode(cmdDatasets(name, !!g(cmd).json, io)));
  program
    .command('plugins')
    .description('list installed plugins: kind, id, version, options (and broken ones, with the reason); with an id, that plugin in detail')
    .argument('[id]', 'a plugin id, alias or package name, e.g. fusion')
    .action((id: string | undefined, _opts: unknown, cmd: Command) => {
      const l = loader ?? new PluginLoader({ baseDir: io.cwd });
      setCode(id === undefined ? cmdPlugins(l, g(cmd), io) : cmdPluginDetail(l, id, g(cmd), io));
    });

  program
    .command('schema')
    .description("write the manifest JSON Schema for the installed plugins (editor completion of plugin ids and options; point a manifest's \"$schema\" at it)")
    .addHelpText('after', '\nWith the global --out <file> it is written to that file instead of stdout.')
    .action((_opts: unknown, cmd: Command) => setCode(cmdSchema(loader ?? new PluginLoader({ baseDir: io.cwd }), { out: g(cmd).out }, io)));

  if (loader) stubs = addPluginCommands(program, loader, io, setCode);
  STUBS.set(program, stubs);
  return program;
}

/**
 * Run the CLI with user arguments (no node/script prefix) and return the exit code:
 * 0 ok, 1 run failed, 2 usage or manifest error.
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let code = 0;
  const operands = args.filter((a) => !a.startsWith('-'));
  const first = operands[0];
  // Built-in commands need no plugin commands (discovery reads every plugin's package.json).
  const needPlugins = first === undefined || first === 'help' || !BUILTIN_COMMANDS.includes(first);
  const loader = needPlugins || first === 'plugins' ? new PluginLoader({ baseDir: io.cwd }) : undefined;
  const program = buildProgram(io, (n) => (code = n), needPlugins ? loader : undefined);
  // `help <command>` prints the command's help without passing through the preSubcommand hook
  if (first === 'help' && operands[1] !== undefined) STUBS.get(program)?.get(operands[1])?.complete();
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help or `help <command>` asked for help (0); a missing command shows help as a usage error (2).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) return 0;
      if (e.code === 'fuseflow.usage') io.stderr(`FF_USAGE: ${e.message}`);
      // `fuseflow` alone printed the whole help already; any other usage error gets a one-line pointer
      if (e.code !== 'commander.help') {
        const known = first !== undefined && program.commands.some((c) => c.name() === first) && e.code !== 'commander.unknownCommand';
        io.stderr(`run 'fuseflow ${known ? `${first} ` : ''}--help' for usage`);
      }
      return 2;
    }
    io.stderr(formatError(toRunError(e)));
    return 1;
  }
  return code;
}

/** Entry point of bin/fuseflow.js: `main(process.argv)`; sets process.exitCode. */
export async function main(argv: string[]): Promise<number> {
  const code = await runCli(argv.slice(2), processIo());
  process.exitCode = code;
  return code;
}
