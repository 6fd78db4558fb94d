import type { DataflowGraph, DfNode, DfTensorInfo, NodeAttrs, PrimitiveKind, StreamKind } from './graph';

/** A node output handle: wire it into another node's input with `connect`. */
export interface PortRef {
  node: number;
  port: string;
}

/**
 * Incremental DataflowGraph construction (used by lowerings, the protobuf importer and tests):
 * node ids from 1, channel ids from 1 (0 stays "void").
 */
export class DataflowGraphBuilder {
  private nodes: DfNode[] = [];
  private channels: DataflowGraph['channels'] = [];
  private tensors: Record<string, DfTensorInfo> = {};

  constructor(private readonly name: string) {}

  /** Adds a node and returns its id. */
  add(kind: PrimitiveKind, label: string, attrs: NodeAttrs = {}): number {
    const id = this.nodes.length + 1;
    this.nodes.push({ id, kind, label, attrs, inputs: {}, outputs: {} });
    return id;
  }

  /** Output port handle. */
  out(node: number, port: string): PortRef {
    return { node, port };
  }

  /** Connects an output port to an input port with a new channel of the given stream kind; returns the channel id. */
  connect(src: PortRef, dst: PortRef, kind: StreamKind, depth?: number): number {
    const id = this.channels.length + 1;
    const s = this.nodes[src.node - 1];
    const d = this.nodes[dst.node - 1];
    if (!s || !d) throw new Error(`connect: node ${!s ? src.node : dst.node} does not exist`);
    if (s.outputs[src.port]) throw new Error(`connect: output ${s.label}.${src.port} is already connected (fan-out needs a broadcast node)`);
    if (d.inputs[dst.port]) throw new Error(`connect: input ${d.label}.${dst.port} is already connected`);
    s.outputs[src.port] = id;
    d.inputs[dst.port] = id;
    this.channels.push({ id, kind, src: { ...src }, dst: { ...dst }, ...(depth !== undefined ? { depth } : {}) });
    return id;
  }

  tensor(info: DfTensorInfo): this {
    this.tensors[info.name] = info;
    return this;
  }

  node(id: number): DfNode {
    return this.nodes[id - 1];
  }

  build(output: DataflowGraph['output'], extra: { group?: string; blockSize?: number } = {}): DataflowGraph {
    return {
      name: this.name,
      ...(extra.group !== undefined ? { group: extra.group } : {}),
      nodes: this.nodes,
      channels: this.channels,
      tensors: this.tensors,
      output,
      ...(extra.blockSize !== undefined ? { blockSize: extra.blockSize } : {}),
    };
  }
}
