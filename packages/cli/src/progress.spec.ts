import { Writable } from 'node:stream';
import { createKernelEmitter } from '@fuseflow/kernel';
import { memoryIo } from './io';
import { attachProgress } from './progress';

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
    expect(text).toContain('4/4 400 cycles');
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
});
