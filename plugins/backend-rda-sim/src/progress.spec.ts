import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import type { RunContext } from '@fuseflow/kernel';
import { uniformRandom } from '@fuseflow/ir';
import { RdaSimBackend } from './backend';
import * as K from './kernels';
import { simulateModule } from './simulate';

const rnd = (shape: number[], density: number, seed: number) => uniformRandom({ shape, density, seed, format: 'dcsr', valueRange: [-2, 2] });

describe('per-channel counters and work progress', () => {
  const k = K.spmspm('ikj', 60, 60, 60);
  const mod = () => k.module({ B: rnd([60, 60], 0.2, 5), C: rnd([60, 60], 0.2, 6) });

  it('channel tokens add up to the token transfers; both engines count the same per channel', () => {
    const fast = simulateModule(mod(), { engine: 'fast' });
    const ref = simulateModule(mod(), { engine: 'reference' });
    const g = fast.graphs[0];
    expect(g.channels.map((c) => c.id).sort((a, b) => a - b)).toEqual(mod().graphs[0].channels.map((c) => c.id).sort((a, b) => a - b));
    expect(g.channels.reduce((a, c) => a + c.tokens, 0)).toBe(g.tokens);
    expect(g.channels.every((c) => c.queued >= 0)).toBe(true);
    // tokens wait in some channel (a consumer is busy with another input)
    expect(g.channels.some((c) => c.queued > 0)).toBe(true);
    expect(ref.graphs[0].channels).toEqual(g.channels);
  });

  it('onWork reports growing work inside a graph and the graph total when it finishes', () => {
    const calls: Array<[number, number, boolean]> = [];
    const big = K.spmspm('ikj', 120, 120, 120).module({ B: rnd([120, 120], 0.2, 5), C: rnd([120, 120], 0.2, 6) });
    const r = simulateModule(big, { onWork: (k, w, f) => calls.push([k, w, f]), workIntervalMs: 0 });
    const last = calls[calls.length - 1];
    expect(last).toEqual([0, r.graphs[0].flops + r.graphs[0].bytes / 4, true]);
    // the engine reported during the run, not only at the end
    expect(calls.length).toBeGreaterThan(2);
    for (let i = 1; i < calls.length; i++) expect(calls[i][1]).toBeGreaterThanOrEqual(calls[i - 1][1]);
  });

  it('the backend reports progress in work units ending at its total', async () => {
    const events: Array<{ done: number; total?: number; message?: string }> = [];
    // (the in-graph events are rate-limited to one per 100 ms; this graph may finish sooner)
    const ctx = { seed: 1, baseDir: os.tmpdir(), events: new EventEmitter(), diagnostic: () => {}, progress: (e: { done: number; total?: number }) => events.push(e) } as unknown as RunContext;
    await new RdaSimBackend({ writeOutputs: false }).run(mod(), ctx);
    const total = events[0].total!;
    expect(events.every((e) => e.total === total)).toBe(true);
    expect(events[events.length - 1].done).toBe(total);
    for (let i = 1; i < events.length; i++) expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
    // one event at 100%: the last, with the cycles (the finished last graph does not repeat it)
    expect(events.filter((e) => e.done === total)).toHaveLength(1);
    expect(events[events.length - 1].message).toMatch(/^\d+ cycles$/);
  });
});
