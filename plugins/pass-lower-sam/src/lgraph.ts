import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import {
  DataflowGraphBuilder,
  type DataflowGraph,
  type DfTensorInfo,
  type IndexVar,
  type NodeAttrs,
  type PrimitiveKind,
  type StreamKind,
} from '@fuseflow/ir';

/** A producer port of the logical graph (may feed several consumers until `toDataflow`). */
export interface H {
  node: number;
  port: string;
}

interface OutInfo {
  kind: StreamKind;
  /** fiber-tree depth of the stream (number of levels its stop tokens close; root ref = 0). */
  depth: number;
}

export interface LNode {
  id: number;
  kind: PrimitiveKind;
  label: string;
  attrs: NodeAttrs;
  inputs: Record<string, H>;
  outs: Record<string, OutInfo>;
}

/**
 * Logical SAM graph used while lowering: outputs may be consumed several times and every stream
 * knows its depth. `toDataflow` turns fan-out into broadcast nodes (channels are single-consumer)
 * and `parallelize` clones the region below a level, writers included, into forked lanes.
 */
export class LGraph {
  nodes: LNode[] = [];

  add(kind: PrimitiveKind, label: string, attrs: NodeAttrs, inputs: Record<string, H>, outs: Record<string, OutInfo>): number {
    const id = this.nodes.length + 1;
    this.nodes.push({ id, kind, label, attrs, inputs, outs });
    return id;
  }

  node(id: number): LNode {
    return this.nodes[id - 1];
  }

  info(h: H): OutInfo {
    const o = this.node(h.node)?.outs[h.port];
    if (!o) throw new Error(`internal: no output ${h.node}.${h.port}`);
    return o;
  }

  /** consumers of every output port, keyed `${node}.${port}`. */
  private consumers(): Map<string, Array<{ node: number; port: string }>> {
    const m = new Map<string, Array<{ node: number; port: string }>>();
    for (const n of this.nodes) {
      for (const [port, h] of Object.entries(n.inputs)) {
        const key = `${h.node}.${h.port}`;
        let list = m.get(key);
        if (!list) m.set(key, (list = []));
        list.push({ node: n.id, port });
      }
    }
    return m;
  }

  /**
   * Deal the coordinates of index `index` (stream depth `depth`) round-robin to `factor` lanes:
   * the region downstream of `sources`, writers included, is cloned per lane and streams entering
   * it at that depth go through a fork, so each lane writes its own part of the output (the
   * simulator's assembler merges the parts). No join: one shared writer per level serialised every
   * lane's output (SpMSpM scaled 1.5x at P=2..16). FF_INPUT_INVALID naming the group and index
   * when a lane cannot own its part (see laneRegion).
   */
  parallelize(sources: H[], index: IndexVar, depth: number, factor: number, groupName: string): { lanes: number; regionNodes: number } {
    if (factor <= 1) return { lanes: 1, regionNodes: 0 };
    const cons = this.consumers();
    const laneRegion = this.laneRegion(sources, index, depth, cons);
    if (typeof laneRegion !== 'string') {
      this.cloneLanes(laneRegion, index, depth, factor, groupName);
      return { lanes: factor, regionNodes: laneRegion.length };
    }
    throw new FuseFlowError('FF_INPUT_INVALID', `group '${groupName}': cannot parallelize index '${index}': ${laneRegion}`, {
      suggestion: `choose a loop order with '${index}' above every reduced index, or parallelize another output index`,
    });
  }

  /**
   * The lane region with per-lane writers: everything downstream of `sources`, writers included,
   * so that every lane writes its own part of the output and nothing is joined (one shared writer
   * per level serialised all lanes). Streams entering it at the forked depth are forked, shallower
   * ones (an outer coordinate a lane repeats or drops against) are shared. A string when a lane would
   * not own its part of the output (the reason): a stream deeper than the forked level
   * enters from outside (an accumulator over an index above it made that stream), or one shallower
   * than it is computed inside (a sum over an index above the forked one, whose partial sums would
   * be split across lanes). crd_drop is the exception: it only removes a lane's empty fibers of the
   * levels above.
   */
  private laneRegion(sources: H[], index: IndexVar, depth: number, cons: Map<string, Array<{ node: number; port: string }>>): number[] | string {
    const inside = new Set<number>();
    const stack: number[] = [];
    const visit = (key: string): void => {
      for (const c of cons.get(key) ?? []) if (!inside.has(c.node)) {
        inside.add(c.node);
        stack.push(c.node);
      }
    };
    for (const s of sources) visit(`${s.node}.${s.port}`);
    while (stack.length > 0) {
      const id = stack.pop()!;
      for (const port of Object.keys(this.node(id).outs)) visit(`${id}.${port}`);
    }
    for (const id of inside) {
      const n = this.node(id);
      for (const h of Object.values(n.inputs)) {
        if (!inside.has(h.node) && this.info(h).depth > depth) {
          return `stream ${this.node(h.node).label}.${h.port} reaches the output below '${index}' without passing through its level (an accumulator over an index above '${index}' produces it)`;
        }
      }
      if (n.kind === 'crd_drop') continue;
      for (const [port, o] of Object.entries(n.outs)) {
        if (o.depth < depth && (cons.get(`${id}.${port}`) ?? []).length > 0) {
          return `${n.label}.${port} leaves the lanes above '${index}' (a reduction over an index outside '${index}' would be split across the lanes)`;
        }
      }
    }
    return inside.size > 0 ? [...inside].sort((a, b) => a - b) : `nothing below '${index}' to deal to lanes`;
  }

  /** Clones `order` (a lane region) per lane; lane 0 keeps the original nodes. */
  private cloneLanes(order: number[], index: IndexVar, depth: number, factor: number, groupName: string): void {
    const inside = new Set(order);
    const forks = new Map<string, number>();
    const forkOf = (h: H): number => {
      const key = `${h.node}.${h.port}`;
      let f = forks.get(key);
      if (f === undefined) {
        const info = this.info(h);
        const outs: Record<string, OutInfo> = {};
        for (let p = 0; p < factor; p++) outs[`out${p}`] = { ...info };
        f = this.add('fork', `fork_${index}_${this.node(h.node).label}.${h.port}`, { index, arity: factor }, { in: h }, outs);
        forks.set(key, f);
      }
      return f;
    };
    const clone: Array<Map<number, number>> = [];
    for (let p = 0; p < factor; p++) {
      const m = new Map<number, number>();
      for (const id of order) {
        if (p === 0) m.set(id, id);
        else {
          const n = this.node(id);
          m.set(id, this.add(n.kind, `${n.label}#${p}`, { ...n.attrs }, {}, structuredClone(n.outs)));
        }
      }
      clone.push(m);
    }
    const original = new Map(order.map((id) => [id, { ...this.node(id).inputs }]));
    for (let p = 0; p < factor; p++) {
      for (const id of order) {
        const inputs: Record<string, H> = {};
        for (const [port, h] of Object.entries(original.get(id)!)) {
          if (inside.has(h.node)) inputs[port] = { node: clone[p].get(h.node)!, port: h.port };
          else if (this.info(h).depth === depth) inputs[port] = { node: forkOf(h), port: `out${p}` };
          else inputs[port] = h;
        }
        this.node(clone[p].get(id)!).inputs = inputs;
      }
    }
    if (forks.size === 0) throw new FuseFlowError('FF_INPUT_INVALID', `group '${groupName}': cannot parallelize index '${index}': no stream at its level enters the lanes`);
  }

  /** Removes nodes none of whose outputs is consumed (e.g. a dense operand's repeat made useless by locate). */
  private pruneDead(): void {
    for (let changed = true; changed; ) {
      changed = false;
      const cons = this.consumers();
      const keep = this.nodes.filter((n) => {
        if (n.kind === 'crd_write' || n.kind === 'val_write') return true;
        return Object.keys(n.outs).some((port) => (cons.get(`${n.id}.${port}`) ?? []).length > 0);
      });
      if (keep.length === this.nodes.length) break;
      changed = true;
      const map = new Map(keep.map((n, i) => [n.id, i + 1]));
      for (const n of keep) {
        n.id = map.get(n.id)!;
        for (const [port, h] of Object.entries(n.inputs)) n.inputs[port] = { node: map.get(h.node)!, port: h.port };
      }
      this.nodes = keep;
    }
  }

  /** Materialize as a DataflowGraph: single-consumer channels, broadcasts for fan-out, unused outputs void. */
  toDataflow(name: string, tensors: Record<string, DfTensorInfo>, output: DataflowGraph['output'], extra: { group?: string; blockSize?: number }): DataflowGraph {
    this.pruneDead();
    const b = new DataflowGraphBuilder(name);
    const ids = new Map<number, number>();
    for (const n of this.nodes) ids.set(n.id, b.add(n.kind, n.label, n.attrs));
    const cons = this.consumers();
    for (const n of this.nodes) {
      for (const [port, info] of Object.entries(n.outs)) {
        const list = cons.get(`${n.id}.${port}`) ?? [];
        const src = { node: ids.get(n.id)!, port };
        if (list.length === 1) {
          b.connect(src, { node: ids.get(list[0].node)!, port: list[0].port }, info.kind);
        } else if (list.length > 1) {
          const bc = b.add('broadcast', `bc_${n.label}.${port}`, { arity: list.length });
          b.connect(src, { node: bc, port: 'in' }, info.kind);
          list.forEach((c, i) => b.connect({ node: bc, port: `out${i}` }, { node: ids.get(c.node)!, port: c.port }, info.kind));
        }
      }
    }
    for (const t of Object.values(tensors)) b.tensor(t);
    return b.build(output, extra);
  }
}
