import fc from 'fast-check';
import { resolvePluginOptions } from '@fuseflow/kernel';
import { toDense, uniformRandom } from '@fuseflow/ir';
import { ArrayChannel, RingChannel, type Chan } from './channel';
import { runFast, runReference } from './engine';
import { HbmPort, RootPrim, ScanPrim, shareHbm, type Prim } from './primitives';
import * as K from './kernels';
import { simulateGraph, simulateModule, type SimOptions } from './simulate';
import { rdaSimPlugin } from './plugin';
import { parseHbmFlag } from './cli';

const rnd = (shape: number[], density: number, seed: number, format = 'dcsr') => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

/**
 * Two independent root -> compressed scanner pairs, each scanning one fiber of `len`
 * coordinates (comal profile: latency 1, II 1, fiber load 1 cycle); outputs discarded.
 * `ids` are the scanners' node ids (the arbiter's tie-break order).
 */
function twoScanners(engine: 'fast' | 'reference', mode: 'shared' | 'private', len: number, ids: [number, number] = [2, 4]): { cycles: number; finish: number[] } {
  let cid = 1;
  const mk = (discard = false): Chan => (engine === 'fast' ? new RingChannel(cid++, 'ref', Infinity, discard) : new ArrayChannel(cid++, 'ref', Infinity, discard));
  const prims: Prim[] = [];
  const scans: ScanPrim[] = [];
  for (const sid of ids) {
    const ref = mk();
    const root = new RootPrim(sid - 1, `root${sid}`, 1, 1, ref);
    root.wire({}, { ref });
    const crd = Int32Array.from({ length: len }, (_, i) => i);
    const outRef = mk(true);
    const outCrd = mk(true);
    const scan = new ScanPrim(sid, `scan${sid}`, 1, 1, 'compressed', Int32Array.of(0, len), crd, len, 1, ref, outRef, outCrd);
    scan.wire({ ref }, { ref: outRef, crd: outCrd });
    scan.hbm = new HbmPort();
    prims.push(root, scan);
    scans.push(scan);
  }
  if (mode === 'shared') shareHbm(prims);
  const r = (engine === 'fast' ? runFast : runReference)('two-scanners', prims);
  return { cycles: r.cycles, finish: scans.map((s) => s.finish) };
}

describe('shared HBM: contention between memory nodes', () => {
  // Hand derivation, fiber of 1022 coordinates: the scanner reads seg[0..1] + 1022 crds = 1024
  // words = 4096 bytes = 64 requests of 64 bytes, 8 per channel. The root's ref is visible at 1.
  // Private (each scanner its own 8 channels): every channel starts up at 1 + 14 = 15 and takes a
  // request every 2 cycles: starts 15, 17, ..., 29, last ack 29 + 2 = 31. Then 1022 coordinates
  // at 31..1052 (clock 1053), the fiber's stop at 1053 (clock 1054), Done at 1054: finish 1055.
  // Shared (one 8-channel HBM): both requests are at cycle 1; the lower id goes first and
  // finishes at 1055 as above. The other finds every channel busy until 31 (already started up):
  // its 8 requests per channel start at 31, 33, ..., 45, last ack 47, i.e. 16 cycles later
  // (= 64 requests / 8 channels x II 2): finish 1071.
  it.each(['fast', 'reference'] as const)('two scanners streaming a 1022-coordinate fiber each (%s engine): private 1055, shared 1071', (engine) => {
    const priv = twoScanners(engine, 'private', 1022);
    expect(priv.finish).toEqual([1055, 1055]);
    expect(priv.cycles).toBe(1055);
    const shared = twoScanners(engine, 'shared', 1022);
    expect(shared.finish).toEqual([1055, 1071]);
    expect(shared.cycles).toBe(1071);
  });

  it('requests at the same cycle are served in node-id order, whatever the node order in the graph', () => {
    // ids swapped: the scanner built second now has the lower id and is served first
    for (const engine of ['fast', 'reference'] as const) expect(twoScanners(engine, 'shared', 1022, [6, 3]).finish).toEqual([1071, 1055]);
  });

  it('short fibers that fit the 8 channels together do not contend (the rotating offset is the HBM\'s, not the node\'s)', () => {
    // 30 coordinates: 32 words = 2 requests each. Shared: scanner A takes channels 0-1, B 2-3
    // (the rotating offset is the HBM's), all started up at 15, acks at 17 -> 17 + 30 + 2 = 49.
    for (const engine of ['fast', 'reference'] as const) {
      expect(twoScanners(engine, 'private', 30).finish).toEqual([49, 49]);
      expect(twoScanners(engine, 'shared', 30).finish).toEqual([49, 49]);
    }
  });
});

describe('shared HBM on kernels', () => {
  it('elementwise add of two CSR matrices with long rows: shared > private, values checked, engines agree', () => {
    // 4 rows x 2000 columns at 60 %: each row fiber is ~1200 coordinates (75 requests), so the
    // two operand scanners' batches overflow the 8 channels together and queue behind each other.
    const k = K.elementwise('add', 2, 4, 2000, ['csr', 'csr']);
    const data = { A: rnd([4, 2000], 0.6, 11, 'csr'), B: rnd([4, 2000], 0.6, 12, 'csr') };
    const priv = simulateModule(k.module(data), { hbm: 'private' });
    const shared = simulateModule(k.module(data), { hbm: 'shared' });
    const ref = simulateModule(k.module(data), { hbm: 'shared', engine: 'reference' });
    expect(shared.valuesChecked).toBe(true);
    expect(ref.cycles).toBe(shared.cycles);
    expect(shared.cycles).toBeGreaterThan(priv.cycles);
    // `hbm: true` is the shared model
    expect(simulateModule(k.module(data), { hbm: true }).cycles).toBe(shared.cycles);
  });

  it('property: fast == reference with shared HBM (random kernels, data, depths, latencies)', () => {
    const builders = [
      (s: number) => ({ graph: K.spmspm('ikj', 9, 7, 8).graph, data: { B: rnd([9, 7], 0.4, s), C: rnd([7, 8], 0.4, s + 1) } }),
      (s: number) => ({ graph: K.spmspm('ijk', 8, 9, 7).graph, data: { B: rnd([8, 9], 0.4, s), C: rnd([9, 7], 0.4, s + 1, 'dcsc') } }),
      (s: number) => ({ graph: K.elementwise('add', 3, 6, 40, ['dcsr', 'csr', 'dcsr']).graph, data: { A: rnd([6, 40], 0.5, s), B: rnd([6, 40], 0.5, s + 1, 'csr'), C: rnd([6, 40], 0.5, s + 2) } }),
      (s: number) => ({ graph: K.spmvParallel(10, 30, 3).graph, data: { A: rnd([10, 30], 0.5, s, 'csr'), x: rnd([30], 1, s + 1, 'dense') } }),
      (s: number) => ({ graph: K.mttkrp(3, 4, 5, 2).graph, data: { A: rnd([3, 4, 5], 0.4, s, 'ccc'), B: rnd([4, 2], 1, s + 1, 'dense'), C: rnd([5, 2], 1, s + 2, 'dense') } }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: builders.length - 1 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(0, 1, 2, 8),
        fc.integer({ min: 1, max: 4 }),
        (b, seed, depth, lat) => {
          const { graph, data } = builders[b](seed);
          const o: SimOptions = { channelDepth: depth, hbm: 'shared', timingProfile: { primitives: { array: { latency: lat }, level_scan: { latency: lat } } } };
          const run = (engine: 'fast' | 'reference') => {
            try {
              return simulateGraph(graph, data, { ...o, engine });
            } catch (e) {
              return (e as { code?: string }).code ?? String(e);
            }
          };
          const f = run('fast');
          const r = run('reference');
          if (typeof f === 'string' || typeof r === 'string') {
            expect(f).toBe(r);
            return;
          }
          expect(r.cycles).toBe(f.cycles);
          expect(r.tokens).toBe(f.tokens);
          expect(r.nodes).toEqual(f.nodes);
          expect(Array.from(toDense(r.output))).toEqual(Array.from(toDense(f.output)));
        },
      ),
      { seed: 1616, numRuns: 40 },
    );
  });
});

describe('hbm option', () => {
  it('accepts true / false / "shared" / "private" and names a bad value', () => {
    const plugin = rdaSimPlugin as unknown as Parameters<typeof resolvePluginOptions>[0];
    for (const hbm of [true, false, 'shared', 'private']) expect(resolvePluginOptions(plugin, { hbm }, '/backend').hbm).toBe(hbm);
    let err: { code?: string; message?: string } = {};
    try {
      resolvePluginOptions(plugin, { hbm: 'ramulator' }, '/backend');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('FF_OPTIONS_INVALID');
    expect(err.message).toContain('/backend/options/hbm');
  });
  it('comal-sim --hbm: alone = shared, a mode, or FF_OPTIONS_INVALID naming the flag', () => {
    expect(parseHbmFlag(undefined)).toBe(false);
    expect(parseHbmFlag(true)).toBe(true);
    expect(parseHbmFlag('private')).toBe('private');
    expect(() => parseHbmFlag('op.bin')).toThrow(/--hbm: unknown mode 'op.bin'/);
  });
});
