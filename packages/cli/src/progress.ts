import type { CliIo, KernelEmitter } from '@fuseflow/kernel';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/**
 * Draw kernel events: cli-progress bars on a TTY (one per plugin reporting progress), otherwise
 * quiet plain lines on stderr (run start/end, pass timings, completed progress).
 */
export function attachProgress(events: KernelEmitter, io: CliIo, opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): () => void {
  if (opts.quiet) return () => undefined;
  if (io.isTTY) {
    const multi = new MultiBar({ format: ' {plugin} [{bar}] {value}/{total} {message}', hideCursor: true, clearOnComplete: false, stream: opts.stream ?? process.stderr }, Presets.shades_classic);
    const bars = new Map<string, SingleBar>();
    events.on('progress', (e) => {
      const key = `${e.runId ?? ''}:${e.plugin}`;
      let bar = bars.get(key);
      if (!bar) {
        bar = multi.create(e.total ?? 1, 0, { plugin: e.plugin, message: '' });
        bars.set(key, bar);
      }
      if (e.total !== undefined) bar.setTotal(e.total);
      bar.update(e.done, { plugin: e.plugin, message: e.message ?? '' });
    });
    // Lines above the bars: cli-progress prints its log buffer on the next redraw, so force one;
    // before any bar exists there is nothing to redraw and a plain line is enough.
    const line = (text: string) => {
      if (bars.size === 0) return io.stderr(text);
      multi.log(`${text}\n`);
      multi.update();
    };
    events.on('pass:end', (e) => line(`  ${e.runId} ${e.pass} ${e.ms.toFixed(1)} ms`));
    events.on('run:end', (e) => line(`${e.ok ? 'done' : 'FAILED'} ${e.runId} (${(e.ms / 1000).toFixed(2)} s)${e.error ? `: ${e.error.split('\n')[0]}` : ''}`));
    return () => multi.stop();
  }
  events.on('run:start', (e) => io.stderr(`run ${e.runId} (seed ${e.seed})`));
  events.on('pass:end', (e) => io.stderr(`  ${e.pass} ${e.ms.toFixed(1)} ms${e.stats ? ` ${Object.entries(e.stats).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`));
  events.on('progress', (e) => {
    if (e.total !== undefined && e.done === e.total) io.stderr(`  ${e.plugin}: ${e.done}/${e.total}${e.message ? ` ${e.message}` : ''}`);
  });
  events.on('diagnostic', (d) => io.stderr(`  ${d.severity}${d.plugin ? ` [${d.plugin}]` : ''}: ${d.message}`));
  events.on('run:end', (e) => io.stderr(`${e.ok ? 'done' : 'FAILED'} ${e.runId} (${(e.ms / 1000).toFixed(2)} s)`));
  return () => undefined;
}
