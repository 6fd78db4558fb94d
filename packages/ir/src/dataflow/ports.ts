import type { AluOp, DfNode, PrimitiveKind, StreamKind } from './graph';
import { BINARY_FNS, SCALAR_FNS, UNARY_FNS } from '../program/ops';

/**
 * Port signature of every SAM primitive: which input/output ports a node of a kind has and
 * which stream kinds they carry. `same:<port>` means "the kind of the channel on that input"
 * (repeat, broadcast, fork, join and the joiners' ref payloads are kind-polymorphic).
 */
export interface PortSpec {
  name: string;
  kinds: StreamKind[] | `same:${string}`;
  /** optional input ports may be left unconnected. */
  optional?: boolean;
}

export interface PrimitiveSignature {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

export const PRIMITIVE_KINDS: readonly PrimitiveKind[] = [
  'root', 'level_scan', 'repsig', 'repeat', 'intersect', 'union', 'locate', 'array', 'alu', 'reduce',
  'spacc1', 'spacc2', 'crd_drop', 'crd_hold', 'broadcast', 'fork', 'join', 'gen_ref', 'crd_write', 'val_write',
];

// The op names come from the op tables, so an op the verifier accepts is one every consumer can compute.
export const BINARY_ALU_OPS: readonly AluOp[] = Object.keys(BINARY_FNS) as AluOp[];
export const UNARY_ALU_OPS: readonly AluOp[] = [...Object.keys(UNARY_FNS), ...Object.keys(SCALAR_FNS)] as AluOp[];

const REF_OR_VAL: StreamKind[] = ['ref', 'val'];
const ANY: StreamKind[] = ['crd', 'ref', 'val', 'repsig'];

/** Number of lanes/operands of an N-ary node (joiners default 2). */
export function nodeArity(node: Pick<DfNode, 'kind' | 'attrs'>): number {
  return node.attrs.arity ?? 2;
}

/** The port signature of a node (depends on kind, arity and, for ALUs, the op). */
export function primitiveSignature(node: Pick<DfNode, 'kind' | 'attrs'>): PrimitiveSignature {
  const n = nodeArity(node);
  const range = (k: number) => Array.from({ length: k }, (_, i) => i);
  switch (node.kind) {
    case 'root':
      return { inputs: [], outputs: [{ name: 'ref', kinds: ['ref'] }] };
    case 'level_scan':
      return { inputs: [{ name: 'ref', kinds: ['ref'] }], outputs: [{ name: 'ref', kinds: ['ref'] }, { name: 'crd', kinds: ['crd'] }] };
    case 'repsig':
      return { inputs: [{ name: 'crd', kinds: ['crd', 'ref'] }], outputs: [{ name: 'repsig', kinds: ['repsig'] }] };
    case 'repeat':
      return {
        inputs: [{ name: 'in', kinds: REF_OR_VAL }, { name: 'repsig', kinds: ['repsig'] }],
        outputs: [{ name: 'out', kinds: 'same:in' }],
      };
    case 'intersect':
    case 'union':
      return {
        inputs: [...range(n).map((i) => ({ name: `crd${i}`, kinds: ['crd'] as StreamKind[] })), ...range(n).map((i) => ({ name: `ref${i}`, kinds: REF_OR_VAL }))],
        outputs: [{ name: 'crd', kinds: ['crd'] }, ...range(n).map((i) => ({ name: `ref${i}`, kinds: `same:ref${i}` as const }))],
      };
    case 'locate':
      return {
        // optional 'base': the dense operand's parent refs (one per crd fiber); ref1 = base * dim + crd.
        inputs: [{ name: 'crd', kinds: ['crd'] }, { name: 'ref', kinds: ['ref'] }, { name: 'base', kinds: ['ref'], optional: true }],
        outputs: [{ name: 'ref1', kinds: ['ref'] }, { name: 'ref2', kinds: ['ref'] }, { name: 'crd', kinds: ['crd'] }],
      };
    case 'array':
      return { inputs: [{ name: 'ref', kinds: ['ref'] }], outputs: [{ name: 'val', kinds: ['val'] }] };
    case 'alu': {
      const binary = node.attrs.alu !== undefined && BINARY_ALU_OPS.includes(node.attrs.alu);
      return {
        inputs: binary ? [{ name: 'a', kinds: ['val'] }, { name: 'b', kinds: ['val'] }] : [{ name: 'a', kinds: ['val'] }],
        outputs: [{ name: 'out', kinds: ['val'] }],
      };
    }
    case 'reduce':
      return { inputs: [{ name: 'in', kinds: ['val'] }], outputs: [{ name: 'out', kinds: ['val'] }] };
    case 'spacc1':
      return {
        inputs: [{ name: 'inner_crd', kinds: ['crd'] }, { name: 'outer_crd', kinds: ['crd'] }, { name: 'val', kinds: ['val'] }],
        outputs: [{ name: 'inner_crd', kinds: ['crd'] }, { name: 'val', kinds: ['val'] }],
      };
    case 'spacc2':
      return {
        inputs: [
          { name: 'crd0', kinds: ['crd'] }, { name: 'crd1', kinds: ['crd'] },
          { name: 'outer_crd', kinds: ['crd'] }, { name: 'val', kinds: ['val'] },
        ],
        outputs: [{ name: 'crd0', kinds: ['crd'] }, { name: 'crd1', kinds: ['crd'] }, { name: 'val', kinds: ['val'] }],
      };
    case 'crd_drop':
    case 'crd_hold':
      return {
        inputs: [{ name: 'inner', kinds: ['crd'] }, { name: 'outer', kinds: ['crd'] }],
        outputs: [{ name: 'inner', kinds: ['crd'] }, { name: 'outer', kinds: ['crd'] }],
      };
    case 'broadcast':
    case 'fork':
      return { inputs: [{ name: 'in', kinds: ANY }], outputs: range(n).map((i) => ({ name: `out${i}`, kinds: 'same:in' as const })) };
    case 'join':
      return { inputs: range(n).map((i) => ({ name: `in${i}`, kinds: ANY })), outputs: [{ name: 'out', kinds: 'same:in0' }] };
    case 'gen_ref':
      return { inputs: [{ name: 'crd', kinds: ['crd'] }], outputs: [{ name: 'ref', kinds: ['ref'] }] };
    case 'crd_write':
      return { inputs: [{ name: 'crd', kinds: ['crd'] }], outputs: [] };
    case 'val_write':
      return { inputs: [{ name: 'val', kinds: ['val'] }], outputs: [] };
    default:
      throw new Error(`unknown primitive kind '${String(node.kind)}'`);
  }
}
