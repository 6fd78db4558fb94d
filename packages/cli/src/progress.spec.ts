import { Writable } from 'node:stream';
import { createKernelEmitter } from '@fuseflow/kernel';
import { memoryIo } from './io';
import { attachProgress, compactCount, formatEta } from './progress';

/** A writable that claims to be a terminal, collecting what cli-progress draws. */
function fakeTty(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string; isTTY: boolean; columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean };
  w.isTTY = true;
  w.columns = 100;
  w.cursorTo = () => true;
  w.clearLine = () => true;
  w.moveCursor = () => true;
  w.text = () => chunks.join('');
  return w;
}

describe('attachProgress', () => {
  it('draws a bar per plugin on a TTY from progress events', () => {
    const events = createKernelEmitter();
    const tty = fakeTty();
    const stop = attachProgress(events, memoryIo('/', true), { stream: tty as unknown as NodeJS.WriteStream });
    for (let i = 1; i <= 4; i++) events.emit('progress', { runId: 'r', plugin: 'rda-sim', done: i, total: 4, message: `${i * 100} cycles` });
    events.emit('run:end', { runId: 'r', ok: true, ms: 1500 });
    stop();
    const text = tty.text();
    expect(text).toContain('rda-sim');
    expect(text).toContain('100% 4/4 ETA 0s 400 cycles');
    expect(text).toContain('done r (1.50 s)');
  });

  it('prints quiet plain lines when not a TTY, and nothing with quiet', () => {
    const events = createKernelEmitter();
    const io = memoryIo('/', false);
    attachProgress(events, io);
    events.emit('run:start', { runId: 'gcn/fused', manifest: 'm.json', seed: 3, configuration: 'fused' });
    for (let i = 1; i <= 3; i++) events.emit('progress', { plugin: 'rda-sim', done: i, total: 3 });
    events.emit('pass:end', { runId: 'gcn/fused', pass: 'fusion', index: 0, ms: 12.34, stats: { groups: 2 } });
    events.emit('run:end', { runId: 'gcn/fused', ok: false, ms: 250, error: 'FF_PLUGIN_ERROR: x' });
    expect(io.err).toEqual(['run gcn/fused (seed 3)', '  rda-sim: 3/3', '  fusion 12.3 ms groups=2', 'FAILED gcn/fused (0.25 s)']);
    const quiet = memoryIo('/', false);
    const e2 = createKernelEmitter();
    attachProgress(e2, quiet, { quiet: true });
    e2.emit('run:start', { runId: 'x', manifest: 'm', seed: 1 });
    expect(quiet.err).toEqual([]);
  });

  it('shows percent of the work, compact counts and an ETA from the rate since the bar started', () => {
    const events = createKernelEmitter();
    const tty = fakeTty();
    let t = 0;
    const stop = attachProgress(events, memoryIo('/', true), { stream: tty as unknown as NodeJS.WriteStream, now: () => t });
    events.emit('progress', { runId: 'gcn/fully fused', plugin: 'rda-sim', done: 0, total: 1_000_000, message: 'graph 1/2 g0' });
    t = 10_000; // 250k of 1M in 10 s: 30 s to go
    events.emit('progress', { runId: 'gcn/fully fused', plugin: 'rda-sim', done: 250_000, total: 1_000_000, message: 'graph 1/2 g0' });
    // drawn at once (no timer: a simulation holds the event loop), not only when the bars stop
    expect(tty.text()).toContain(' fully fused: rda-sim [');
    expect(tty.text()).toContain('25% 250k/1M ETA 30s graph 1/2 g0');
    t = 10_050; // within 100 ms of the last draw: no redraw
    events.emit('progress', { runId: 'gcn/fully fused', plugin: 'rda-sim', done: 260_000, total: 1_000_000, message: 'graph 1/2 g0' });
    expect(tty.text()).not.toContain('260k/1M');
    stop();
  });

  it('prints log lines above the bar: clear the bar line, print, redraw; io.stderr restored on stop', () => {
    const events = createKernelEmitter();
    const tty = fakeTty();
    const io = memoryIo('/', true);
    const stop = attachProgress(events, io, { stream: tty as unknown as NodeJS.WriteStream });
    events.emit('progress', { runId: 'r', plugin: 'rda-sim', done: 1, total: 4 });
    const before = tty.text().length;
    io.stderr('warning: something happened');
    events.emit('diagnostic', { severity: 'warning', plugin: 'rda-sim', message: 'a diagnostic' });
    const after = tty.text().slice(before);
    const clear = after.indexOf('\x1b[2K');
    const log = after.indexOf('warning: something happened\n');
    expect(clear).toBeGreaterThanOrEqual(0);
    expect(log).toBeGreaterThan(clear);
    // the bar is drawn again below the line
    expect(after.indexOf('rda-sim [', log)).toBeGreaterThan(log);
    expect(after).toContain('  warning [rda-sim]: a diagnostic\n');
    expect(io.err).toEqual([]);
    stop();
    io.stderr('after the bar');
    expect(io.err).toEqual(['after the bar']);
  });

  it('formats counts and ETAs compactly', () => {
    expect([compactCount(999), compactCount(1234), compactCount(2_500_000), compactCount(3.21e9)]).toEqual(['999', '1.23k', '2.5M', '3.21G']);
    expect([formatEta(undefined), formatEta(42.4), formatEta(185), formatEta(3725)]).toEqual(['--', '42s', '3m05s', '1h02m']);
  });
});
