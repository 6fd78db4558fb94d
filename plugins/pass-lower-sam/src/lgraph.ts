import { FuseFlowError } from '@fuseflow/kernel';
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
 * and `parallelize` clones the region below a level into fork/join lanes.
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
   * the region downstream of `sources` (up to the writers) is cloned per lane, streams entering it
   * go through a fork, streams leaving it through a join (attrs.level = depth below the forked level).
   */
  parallelize(sources: H[], index: IndexVar, depth: number, factor: number, groupName: string): { lanes: number; regionNodes: number; writers: 'lane' | 'join' } {
    if (factor <= 1) return { lanes: 1, regionNodes: 0, writers: 'lane' };
    const cons = this.consumers();
    const laneRegion = this.laneRegion(sources, depth, cons);
    if (laneRegion !== null) {
      this.cloneLanes(laneRegion, index, depth, factor, groupName);
      return { lanes: factor, regionNodes: laneRegion.length, writers: 'lane' };
    }
    const inside = new Set<number>();
    const stack: number[] = [];
    const isSink = (id: number) => this.node(id).kind === 'crd_write' || this.node(id).kind === 'val_write';
    for (const s of sources) {
      for (const c of cons.get(`${s.node}.${s.port}`) ?? []) if (!isSink(c.node) && !inside.has(c.node)) {
        inside.add(c.node);
        stack.push(c.node);
      }
    }
    while (stack.length > 0) {
      const id = stack.pop()!;
      for (const port of Object.keys(this.node(id).outs)) {
        for (const c of cons.get(`${id}.${port}`) ?? []) if (!isSink(c.node) && !inside.has(c.node)) {
          inside.add(c.node);
          stack.push(c.node);
        }
      }
    }
    // A node fed from outside by a stream that is not at the forked depth cannot be dealt per
    // coordinate: keep it (and the repeat-signal generator it owns) outside the lanes.
    for (let changed = true; changed; ) {
      changed = false;
      for (const id of [...inside]) {
        const n = this.node(id);
        const bad = Object.values(n.inputs).some((h) => !inside.has(h.node) && this.info(h).depth !== depth);
        if (!bad) continue;
        inside.delete(id);
        changed = true;
        if (n.kind === 'repeat') {
          const sig = n.inputs.repsig;
          if (sig && inside.has(sig.node) && this.node(sig.node).kind === 'repsig') inside.delete(sig.node);
        }
      }
    }
    if (inside.size === 0) {
      throw new FuseFlowError('FF_INPUT_INVALID', `group '${groupName}': nothing to parallelize below index '${index}'`);
    }
    const order = [...inside].sort((a, b) => a - b);
    const before = this.nodes.length;
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
    // lane clones: original id -> clone id per lane (lane 0 reuses the original nodes).
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
        const dst = this.node(clone[p].get(id)!);
        const inputs: Record<string, H> = {};
        for (const [port, h] of Object.entries(original.get(id)!)) {
          if (inside.has(h.node)) inputs[port] = { node: clone[p].get(h.node)!, port: h.port };
          else inputs[port] = { node: forkOf(h), port: `out${p}` };
        }
        dst.inputs = inputs;
      }
    }
    // streams leaving the region are gathered lane by lane.
    const joins = new Map<string, number>();
    const laneNodes = new Set<number>(clone.flatMap((m) => [...m.values()]));
    for (const n of this.nodes.slice(0, before)) {
      if (laneNodes.has(n.id)) continue;
      for (const [port, h] of Object.entries(n.inputs)) {
        if (!inside.has(h.node)) continue;
        const key = `${h.node}.${h.port}`;
        let j = joins.get(key);
        if (j === undefined) {
          const info = this.info(h);
          if (info.depth < depth) {
            throw new FuseFlowError('FF_INPUT_INVALID', `group '${groupName}': cannot parallelize '${index}': stream ${this.node(h.node).label}.${h.port} leaves the parallel region above it`);
          }
          const ins: Record<string, H> = {};
          for (let p = 0; p < factor; p++) ins[`in${p}`] = { node: clone[p].get(h.node)!, port: h.port };
          j = this.add('join', `join_${index}_${this.node(h.node).label}.${h.port}`, { index, arity: factor, level: info.depth - depth }, ins, { out: { ...info } });
          joins.set(key, j);
        }
        n.inputs[port] = { node: j, port: 'out' };
      }
    }
    return { lanes: factor, regionNodes: order.length, writers: 'join' };
  }

  /**
   * The lane region with per-lane writers: everything downstream of `sources`, writers included,
   * so that every lane writes its own part of the output and nothing is joined (one shared writer
   * per level serialised all lanes). Streams entering it at the forked depth are forked, shallower
   * ones (an outer coordinate a lane repeats or drops against) are shared. Null when a lane would
   * not own its part of the output: a stream deeper than the forked level enters from outside, or
   * one shallower than it is computed inside (a sum over an index above the forked one, whose
   * partial sums would be split across lanes) - the caller then joins the lanes before the writers.
   * crd_drop is the exception: it only removes a lane's empty fibers of the levels above.
   */
  private laneRegion(sources: H[], depth: number, cons: Map<string, Array<{ node: number; port: string }>>): number[] | null {
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
      for (const h of Object.values(n.inputs)) if (!inside.has(h.node) && this.info(h).depth > depth) return null;
      if (n.kind === 'crd_drop') continue;
      for (const [port, o] of Object.entries(n.outs)) if (o.depth < depth && (cons.get(`${id}.${port}`) ?? []).length > 0) return null;
    }
    return inside.size > 0 ? [...inside].sort((a, b) => a - b) : null;
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
    if (forks.size === 0) throw new FuseFlowError('FF_INPUT_INVALID', `group '${groupName}': cannot parallelize '${index}': no stream at its level enters the lanes`);
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
