import { primitiveSignature, type DfNode, type NodeAttrs, type PrimitiveKind, type SparseTensorData } from '@fuseflow/ir';
import { ArrayChannel, RingChannel, type Chan } from './channel';
import { createPrim } from './build';
import { runFast, runReference } from './engine';
import { resolveProfile, type TimingProfileInput } from './timing';
import { parseToken, showToken, type Token } from './tokens';

/** Output streams of one primitive run in isolation, SAM-spelled, plus its finish cycle. */
export interface StreamRun {
  outputs: Record<string, Array<number | string>>;
  cycles: number;
}

/**
 * Runs a single primitive on literal input streams (all tokens visible at cycle 0), the way the
 * SAM primitive unit tests do; used for golden-stream fixtures.
 */
export function runPrimitive(
  kind: PrimitiveKind,
  attrs: NodeAttrs,
  inputs: Record<string, Token[]>,
  opts: { engine?: 'fast' | 'reference'; tensors?: Record<string, SparseTensorData>; timingProfile?: string | TimingProfileInput } = {},
): StreamRun {
  const node: DfNode = { id: 1, kind, label: kind, attrs, inputs: {}, outputs: {} };
  const sig = primitiveSignature(node);
  const mk = (id: number, k: string): Chan => (opts.engine === 'reference' ? new ArrayChannel(id, k) : new RingChannel(id, k));
  const ins: Record<string, Chan> = {};
  let id = 1;
  for (const p of sig.inputs) {
    const toks = inputs[p.name];
    if (!toks) continue;
    const c = mk(id++, p.name === 'repsig' ? 'repsig' : 'x');
    for (const t of toks) {
      const [tag, v] = parseToken(t);
      c.push(tag, v, 0);
    }
    ins[p.name] = c;
  }
  const outs: Record<string, Chan> = {};
  for (const p of sig.outputs) outs[p.name] = mk(id++, p.name === 'repsig' ? 'repsig' : 'x');
  const prim = createPrim({ name: 'harness' }, node, ins, outs, { profile: resolveProfile(opts.timingProfile) }, (n) => opts.tensors![n.attrs.tensor!], null);
  prim.wire(ins, outs);
  const r = (opts.engine === 'reference' ? runReference : runFast)('harness', [prim]);
  const outputs: StreamRun['outputs'] = {};
  for (const [p, c] of Object.entries(outs)) {
    const toks: Array<number | string> = [];
    while (c.count > 0) {
      const tag = c.tagAt(0);
      const v = c.valAt(0);
      const s = showToken(tag, v, c.kind === 'repsig');
      toks.push(tag === 0 && c.kind !== 'repsig' ? v : s);
      c.pop(0);
    }
    outputs[p] = toks;
  }
  return { outputs, cycles: r.cycles };
}
