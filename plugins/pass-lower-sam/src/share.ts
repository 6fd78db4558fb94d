import type { NodeAttrs, PrimitiveKind } from '@fuseflow/ir';
import { LGraph, type LNode } from './lgraph';

/** How a fused group treats an intermediate used by several consumers. */
export type IntermediatesMode = 'share' | 'recompute';

/**
 * Primitives never merged: writers are sinks (each writes its own level), fork/join are created
 * by parallelization where `index` and the lane number are what distinguishes them.
 */
const UNIQUE: ReadonlySet<PrimitiveKind> = new Set<PrimitiveKind>(['crd_write', 'val_write', 'fork', 'join']);

/**
 * A logical graph that computes each stream once (hash-consing / global value numbering).
 *
 * Inlining a fused group copies a producer into every use (`inlineGroup`), and the lowering then
 * emits one subgraph per copy. Every primitive is a deterministic function of its input streams,
 * so two nodes of the same kind and attributes fed by the same streams emit the same streams: the
 * second is the first. Merging them bottom-up (a node is created after its inputs) collapses the
 * copies exactly as far as they carry identical streams, and the fan-out becomes a `broadcast` in
 * `toDataflow`. That is the condition "the consumers iterate the producer's value stream in the
 * same order and structure" checked on the streams themselves rather than on the expressions:
 *
 * - `exp(x(i,j) - max(i))` in the softmax numerator and the same term inside `sum(k, ...)` of the
 *   denominator are both x's row stream minus the row maximum repeated over the row's coordinates:
 *   the same stream, computed once.
 * - a row statistic (`max(i)`) consumed at row end (by the division after `sum`) and inside the
 *   row (repeated over j by a `repeat` node) is a different stream in each place: the reduce is
 *   shared, the repeat is not (a row-end consumer cannot read a per-element stream).
 * - a producer nested under a loop its other use is not under (layer 1 of a fused GCN under
 *   layer 2's row i) has its streams repeated / restricted by that loop's coordinates, so it is
 *   recomputed per outer coordinate: sharing it would need a buffer of the whole producer (an
 *   unfused intermediate), which is exactly what fusion gives up.
 *
 * `index` attributes only name the loop variable (a copy's variables are renamed by inlining), so
 * they are not part of the key; the first copy's label and index stay on the merged node.
 * Hash-consing is switched off (`sharing = false`) before parallelization, whose lane clones are
 * deliberately identical nodes.
 */
export class SharedLGraph extends LGraph {
  sharing = true;
  /** how many add() calls returned an existing node. */
  merged = 0;
  private readonly byKey = new Map<string, number>();

  private salt = '';

  /** add() with `salt` in the key: nodes that are the same stream but must stay apart for another reason. */
  addSalted(salt: string, kind: PrimitiveKind, label: string, attrs: NodeAttrs, inputs: Record<string, LNode['inputs'][string]>, outs: LNode['outs']): number {
    this.salt = salt;
    try {
      return this.add(kind, label, attrs, inputs, outs);
    } finally {
      this.salt = '';
    }
  }

  override add(kind: PrimitiveKind, label: string, attrs: NodeAttrs, inputs: Record<string, LNode['inputs'][string]>, outs: LNode['outs']): number {
    if (!this.sharing || UNIQUE.has(kind)) return super.add(kind, label, attrs, inputs, outs);
    const { index: _index, ...rest } = attrs as NodeAttrs & { index?: unknown };
    const key = JSON.stringify([
      this.salt,
      kind,
      sortedEntries(rest as Record<string, unknown>),
      Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, h]) => [p, h.node, h.port]),
      sortedEntries(outs as Record<string, unknown>),
    ]);
    const hit = this.byKey.get(key);
    if (hit !== undefined) {
      this.merged++;
      return hit;
    }
    const id = super.add(kind, label, attrs, inputs, outs);
    this.byKey.set(key, id);
    return id;
  }
}

function sortedEntries(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, v !== null && typeof v === 'object' && !Array.isArray(v) ? sortedEntries(v as Record<string, unknown>) : v]);
}
