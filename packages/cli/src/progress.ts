import type { CliIo, KernelEmitter } from '@fuseflow/kernel';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatDiagnostic } from './errors';

/** 1234567 -> "1.23M": progress totals in simulated work run to billions. */
export function compactCount(n: number): string {
  const a = Math.abs(n);
  for (const [f, p] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as Array<[number, string]>) if (a >= f) return `${Number((n / f).toPrecision(3))}${p}`;
  return String(Math.round(n));
}

/** Seconds as "42s", "3m05s", "1h02m"; "--" until there is a rate to extrapolate from. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Draw kernel events: cli-progress bars on a TTY (one per plugin reporting progress: percent of the
 * plugin's own work units, e.g. rda-sim's simulated operations, with an ETA), otherwise quiet plain
 * lines on stderr (run start/end, pass timings, completed progress). While bars are drawn, every
 * line written through `io.stderr` goes above them (clear the bar line, print, redraw).
 */
export function attachProgress(events: KernelEmitter, io: CliIo, opts: { quiet?: boolean; stream?: NodeJS.WriteStream; now?: () => number } = {}): () => void {
  if (opts.quiet) return () => undefined;
  if (io.isTTY) {
    const now = opts.now ?? (() => performance.now());
    const multi = new MultiBar(
      { format: ' {plugin} [{bar}] {percentage}% {work} ETA {left} {message}', hideCursor: true, clearOnComplete: false, forceRedraw: true, stream: opts.stream ?? process.stderr },
      Presets.shades_classic,
    );
    const bars = new Map<string, { bar: SingleBar; start: number; startDone: number }>();
    let lastDraw = -Infinity;
    events.on('progress', (e) => {
      const key = `${e.runId ?? ''}:${e.plugin}`;
      // one bar per configuration and plugin: name it by both (runId is <manifest>/<configuration>)
      const label = e.runId?.includes('/') ? `${e.runId.slice(e.runId.indexOf('/') + 1)}: ${e.plugin}` : e.plugin;
      let b = bars.get(key);
      if (!b) {
        b = { bar: multi.create(e.total ?? 1, 0, { plugin: label, message: '', work: '', left: '--' }), start: now(), startDone: e.done };
        bars.set(key, b);
      }
      const total = e.total ?? b.bar.getTotal();
      if (e.total !== undefined) b.bar.setTotal(e.total);
      // rate over this bar's own lifetime: cli-progress's ETA averages the last few updates only,
      // which swings wildly when updates arrive at uneven work steps
      const sec = (now() - b.start) / 1000;
      const rate = sec > 0 ? (e.done - b.startDone) / sec : 0;
      const eta = e.done >= total ? 0 : rate > 0 ? (total - e.done) / rate : undefined;
      b.bar.update(e.done, { plugin: label, message: e.message ?? '', work: `${compactCount(e.done)}/${compactCount(total)}`, left: formatEta(eta) });
      // cli-progress redraws from a timer, which never fires while a simulation holds the event
      // loop: draw here, at most every 100 ms
      const t = now();
      if (t - lastDraw >= 100) {
        lastDraw = t;
        multi.update();
      }
    });
    const plain = io.stderr.bind(io);
    // Lines above the bars: cli-progress prints its log buffer at the start of the next redraw
    // (after clearing the bar line), so force one; forceRedraw then draws the bars again below
    // even when their text did not change. Before any bar exists a plain line is enough.
    const line = (text: string) => {
      if (bars.size === 0) return plain(text);
      multi.log(`${text.replace(/\n$/, '')}\n`);
      multi.update();
    };
    io.stderr = line;
    events.on('run:start', (e) => line(`run ${e.runId} (seed ${e.seed})`));
    events.on('pass:end', (e) => line(`  ${e.runId} ${e.pass} ${e.ms.toFixed(1)} ms`));
    events.on('diagnostic', (d) => line(`  ${formatDiagnostic(d)}`));
    events.on('run:end', (e) => line(`${e.ok ? 'done' : 'FAILED'} ${e.runId} (${(e.ms / 1000).toFixed(2)} s)${e.error ? `: ${e.error.split('\n')[0]}` : ''}`));
    return () => {
      multi.stop();
      io.stderr = plain;
    };
  }
  events.on('run:start', (e) => io.stderr(`run ${e.runId} (seed ${e.seed})`));
  events.on('pass:end', (e) => io.stderr(`  ${e.pass} ${e.ms.toFixed(1)} ms${e.stats ? ` ${Object.entries(e.stats).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`));
  events.on('progress', (e) => {
    if (e.total !== undefined && e.done === e.total) io.stderr(`  ${e.plugin}: ${e.done}/${e.total}${e.message ? ` ${e.message}` : ''}`);
  });
  events.on('diagnostic', (d) => io.stderr(`  ${formatDiagnostic(d)}`));
  events.on('run:end', (e) => io.stderr(`${e.ok ? 'done' : 'FAILED'} ${e.runId} (${(e.ms / 1000).toFixed(2)} s)`));
  return () => undefined;
}

