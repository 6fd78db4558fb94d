import type { IndexVar, TensorProgram } from '../program/ast';
import type { TensorFormat } from '../tensor/types';
import type { TensorBindings } from '../stages';

/**
 * DataflowGraph: a SAM-style graph of primitives joined by single-producer, single-consumer
 * channels (fan-out is an explicit `broadcast` node, as in the tortilla protobuf).
 * Produced by pass-lower-sam (one graph per fusion group), consumed by backend-rda-sim.
 */
export type StreamKind = 'crd' | 'ref' | 'val' | 'repsig';

export type PrimitiveKind =
  | 'root' // out: ref  — emits [0, D]
  | 'level_scan' // in: ref; out: ref, crd
  | 'repsig' // in: crd; out: repsig
  | 'repeat' // in: in (ref|val), repsig; out: out
  | 'intersect' // in: crd0..crdN-1, ref0..refN-1; out: crd, ref0..refN-1
  | 'union' // same ports as intersect
  | 'locate' // in: crd, ref; out: ref1 (dense operand), ref2 (sparse operand), crd
  | 'array' // in: ref; out: val
  | 'alu' // in: a [, b]; out: out
  | 'reduce' // in: in; out: out
  | 'spacc1' // in: inner_crd, outer_crd, val; out: inner_crd, val
  | 'spacc2' // in: crd0, crd1, outer_crd, val; out: crd0, crd1, val
  | 'crd_drop' // in: inner, outer; out: inner, outer
  | 'crd_hold' // in: inner, outer; out: inner, outer
  | 'broadcast' // in: in; out: out0..outN-1
  | 'fork' // in: in; out: out0..outN-1 (values round-robin, stops/done to all)
  | 'join' // in: in0..inN-1; out: out
  | 'gen_ref' // in: crd; out: ref
  | 'crd_write' // in: crd (sink)
  | 'val_write'; // in: val (sink)

export type AluOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'
  | 'exp' | 'relu' | 'neg' | 'sqrt' | 'rsqrt' | 'log' | 'sigmoid' | 'tanh' | 'abs' | 'square'
  | 'scalar_add' | 'scalar_mul' | 'scalar_div' | 'scalar_max'
  /** scalar - x and scalar / x. */
  | 'scalar_rsub' | 'scalar_rdiv';

export interface NodeAttrs {
  /** tensor read or written (level_scan, array, locate, writers). */
  tensor?: string;
  /** tensor mode and storage level (level_scan, crd_write). */
  mode?: number;
  level?: number;
  /** level format scanned or written. */
  format?: 'dense' | 'compressed';
  /** index variable this node iterates/joins/forks. */
  index?: IndexVar;
  /** arity of joiners, broadcast, fork and join. */
  arity?: number;
  alu?: AluOp;
  scalar?: number;
  reduce?: 'sum' | 'max';
  /**
   * Binary ALU presence policy for Empty (absent) inputs, set by the lowering from the reference
   * semantics: 'intersect' = Empty if either side is Empty (mul/div default); 'union' = an Empty side
   * reads as 0, both Empty -> Empty (add/sub/max/min default); 'left'/'right' = Empty iff that side is.
   */
  empty?: 'union' | 'intersect' | 'left' | 'right';
  /** free text for DOT labels and reports. */
  note?: string;
  /**
   * Block mode only (graph.blockSize set): a 'mul' ALU multiplies N x N tiles as a matrix
   * product (the lowering sets this where the contraction runs inside the tile); otherwise tile
   * ops are element-wise.
   */
  matmul?: boolean;
  /**
   * block mode, binary ALU: the tile index variables of each operand and of the result; an index
   * missing from `out` is summed inside the tile (SDDMM Q·K^T: a [i,k], b [j,k], out [i,j]).
   */
  tile?: { a: IndexVar[]; b: IndexVar[]; out: IndexVar[] };
}

export interface DfNode {
  id: number;
  kind: PrimitiveKind;
  label: string;
  attrs: NodeAttrs;
  /** input port name -> channel id. */
  inputs: Record<string, number>;
  /** output port name -> channel id (omitted or 0 = discarded, like the proto's void id 0). */
  outputs: Record<string, number>;
}

export interface DfChannel {
  id: number;
  kind: StreamKind;
  src: { node: number; port: string };
  dst: { node: number; port: string };
  /** capacity in tokens; undefined = unbounded. */
  depth?: number;
}

export interface DfTensorInfo {
  name: string;
  shape: number[];
  format: TensorFormat;
  role: 'input' | 'intermediate' | 'output';
}

export interface DataflowGraph {
  name: string;
  /** fusion group this graph implements. */
  group?: string;
  /** kernel of that group (FusionGroup.kernel): graphs of one kernel run concurrently where independent. */
  kernel?: string;
  nodes: DfNode[];
  channels: DfChannel[];
  /** tensors read or written, with the format the graph expects them in. */
  tensors: Record<string, DfTensorInfo>;
  /** tensor assembled from this graph's writers. */
  output: { tensor: string; shape: number[]; /** tensor mode written by each crd_write level, outermost first */ modeOrder: number[] };
  /** sparsity blocking: value tokens are blockSize x blockSize tiles. */
  blockSize?: number;
}

export interface DataflowModule {
  stage: 'dataflow';
  program: TensorProgram;
  data: TensorBindings;
  /** one graph per fusion group, in execution order; later graphs read earlier outputs. */
  graphs: DataflowGraph[];
  [key: string]: unknown;
}
