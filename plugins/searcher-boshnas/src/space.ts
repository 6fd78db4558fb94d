import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { sha256, type Rng } from './rng';

/**
 * CNNBench-style design space (codesign-reference 1.1-1.2), sized for small grayscale inputs.
 * A CNN is a stack of modules followed by a head. Each module is a small DAG: vertex 0 is
 * 'input', the last vertex 'output', edges in `matrix[i][j] = 1` (i -> j). Where a vertex has
 * several predecessors their outputs are summed (a residual/branch merge); predecessors with
 * fewer channels than the widest are first projected by a 1x1 convolution (ResNet shortcut).
 *
 * Op label grammar (a subset of the reference's `<op><k>x<k>-c<channels>[-dw|-g<groups>]...`):
 *   conv<k>x<k>-c<C>-bn-relu, conv<k>x<k>-c<C>-g<G>-bn-relu, conv<k>x<k>-dw-bn-relu (depth-wise,
 *   keeps channels), maxpool<k>x<k>, avgpool<k>x<k> (stride 1, same padding),
 *   maxpool2x2-s2 / avgpool2x2-s2 (reduction), channel_shuffle-g<G>.
 * Head: 'global-avg-pool' or 'flatten', then zero or more 'dense-<N>-relu'; the classifier
 * (dense to the number of classes) is implicit.
 */
export interface CnnModule {
  matrix: number[][];
  labels: string[];
}

export interface CnnArch {
  modules: CnnModule[];
  head: string[];
}

export type OpSpec =
  | { kind: 'conv'; k: number; channels: number | 'same'; groups: number | 'depthwise' }
  | { kind: 'pool'; pool: 'max' | 'avg'; k: number; stride: number }
  | { kind: 'shuffle'; groups: number };

/** Parses one module-vertex op label; throws FF_SPACE_INVALID naming the label. */
export function parseOp(label: string): OpSpec {
  let m = /^conv(\d+)x(\d+)-c(\d+)(?:-g(\d+))?-bn-relu$/.exec(label);
  if (m && m[1] === m[2]) return { kind: 'conv', k: +m[1], channels: +m[3], groups: m[4] ? +m[4] : 1 };
  m = /^conv(\d+)x(\d+)-dw-bn-relu$/.exec(label);
  if (m && m[1] === m[2]) return { kind: 'conv', k: +m[1], channels: 'same', groups: 'depthwise' };
  m = /^(max|avg)pool(\d+)x(\d+)(?:-s(\d+))?$/.exec(label);
  if (m && m[2] === m[3]) return { kind: 'pool', pool: m[1] as 'max' | 'avg', k: +m[2], stride: m[4] ? +m[4] : 1 };
  m = /^channel_shuffle-g(\d+)$/.exec(label);
  if (m) return { kind: 'shuffle', groups: +m[1] };
  throw new FuseFlowError('FF_SPACE_INVALID', `unknown CNN op label '${label}' (expected e.g. conv3x3-c16-bn-relu, conv3x3-dw-bn-relu, conv3x3-c16-g4-bn-relu, maxpool3x3, maxpool2x2-s2, channel_shuffle-g4)`);
}

/** Generator settings of the space. */
export interface CnnSpaceConfig {
  /** input image [channels, height, width]. */
  inputShape: [number, number, number];
  classes: number;
  stemChannels: number[];
  convChannels: number[];
  kernels: number[];
  /** op vertices per cell module (reference: module_vertices 5 = up to 3 ops). */
  maxOps: number;
  /** cells in each of the three stages (separated by 2x2 reductions): [min, max]. */
  cellsPerStage: Array<[number, number]>;
  denseWidths: number[];
  /** at most this many edges per module (reference: module_vertices + 3). */
  maxEdges: number;
}

/**
 * Default space: Fashion-MNIST downsampled to 14x14 (2x2 averaging) and narrow layers, so an
 * architecture trains on a CPU in seconds with tfjs's pure-JS backend (28x28 works too: set
 * inputShape and the trainer's imageSize).
 */
export const DEFAULT_SPACE: CnnSpaceConfig = {
  inputShape: [1, 14, 14],
  classes: 10,
  stemChannels: [4, 8],
  convChannels: [4, 8, 16],
  kernels: [1, 3, 5],
  maxOps: 3,
  cellsPerStage: [
    [0, 1],
    [1, 2],
    [0, 1],
  ],
  denseWidths: [32, 64],
  maxEdges: 8,
};

/** Cell-vertex op vocabulary of a space configuration. */
export function cellOps(cfg: CnnSpaceConfig = DEFAULT_SPACE): string[] {
  const ops: string[] = [];
  for (const k of cfg.kernels) for (const c of cfg.convChannels) ops.push(`conv${k}x${k}-c${c}-bn-relu`);
  ops.push('conv3x3-dw-bn-relu');
  for (const c of cfg.convChannels) if (c % 4 === 0) ops.push(`conv3x3-c${c}-g4-bn-relu`);
  ops.push('maxpool3x3', 'avgpool3x3', 'channel_shuffle-g4');
  return ops;
}

const chain = (labels: string[]): CnnModule => ({
  labels,
  matrix: labels.map((_, i) => labels.map((__, j) => (j === i + 1 ? 1 : 0))),
});

/** Topological order of a module's vertices; throws if the graph has a cycle. */
export function topoOrder(m: CnnModule): number[] {
  const n = m.labels.length;
  const indeg = new Array(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m.matrix[i][j]) indeg[j]++;
  const order: number[] = [];
  const ready = [...Array(n).keys()].filter((v) => indeg[v] === 0);
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const v = ready.shift()!;
    order.push(v);
    for (let j = 0; j < n; j++) if (m.matrix[v][j] && --indeg[j] === 0) ready.push(j);
  }
  if (order.length !== n) throw new FuseFlowError('FF_SPACE_INVALID', `module [${m.labels.join(', ')}] has a cycle`);
  return order;
}

/** Checks a module's structure (labels, square 0/1 matrix, DAG, every op on an input->output path). */
export function checkModule(m: CnnModule, where = 'module'): void {
  const n = m.labels.length;
  if (n < 2 || m.labels[0] !== 'input' || m.labels[n - 1] !== 'output') throw new FuseFlowError('FF_SPACE_INVALID', `${where}: labels must start with 'input' and end with 'output', got [${m.labels.join(', ')}]`);
  if (m.matrix.length !== n || m.matrix.some((r) => r.length !== n || r.some((x) => x !== 0 && x !== 1))) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: matrix must be ${n}x${n} of 0/1`);
  for (let i = 0; i < n; i++) if (m.matrix[i][i]) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: self-loop at vertex ${i}`);
  topoOrder(m);
  const reach = (from: number, fwd: boolean): Set<number> => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) {
      const v = stack.pop()!;
      for (let u = 0; u < n; u++) if ((fwd ? m.matrix[v][u] : m.matrix[u][v]) && !seen.has(u)) seen.add(u), stack.push(u);
    }
    return seen;
  };
  const fromIn = reach(0, true);
  const toOut = reach(n - 1, false);
  for (let v = 1; v < n - 1; v++) {
    parseOp(m.labels[v]);
    if (!fromIn.has(v) || !toOut.has(v)) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: vertex ${v} (${m.labels[v]}) is not on an input->output path`);
  }
  if (!toOut.has(0)) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: output is not reachable from input`);
}

/**
 * Canonical string of a module: the lexicographically smallest (labels, adjacency) encoding over
 * all orderings of its op vertices, so isomorphic modules (same DAG, vertices renumbered) agree.
 * Modules have at most a handful of op vertices, so trying every permutation is cheap.
 */
export function canonicalModule(m: CnnModule): string {
  const n = m.labels.length;
  const inner = [...Array(n - 2).keys()].map((i) => i + 1);
  let best: string | undefined;
  for (const perm of permutations(inner)) {
    const order = [0, ...perm, n - 1];
    const labels = order.map((v) => m.labels[v]).join(',');
    let bits = '';
    for (const a of order) for (const b of order) bits += m.matrix[a][b] ? '1' : '0';
    const s = `${labels}|${bits}`;
    if (best === undefined || s < best) best = s;
  }
  return best!;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** sha256 of the architecture's canonical form (modules canonicalised, then the head). */
export function archHash(a: CnnArch): string {
  return sha256(JSON.stringify([a.modules.map(canonicalModule), a.head]));
}

/** One-line readable description of an architecture. */
export function describeArch(a: CnnArch): string {
  const mod = (m: CnnModule) => {
    const ops = m.labels.slice(1, -1);
    const edges = m.matrix.flat().reduce((s, x) => s + x, 0);
    return ops.length === 1 && edges === 2 ? ops[0] : `{${ops.join(' ')}|${edges}e}`;
  };
  return [...a.modules.map(mod), ...a.head].join(' > ');
}

/** Random cell module: 1..maxOps ops, random DAG where every op has a predecessor and a successor. */
export function randomCell(rng: Rng, cfg: CnnSpaceConfig = DEFAULT_SPACE): CnnModule {
  const ops = cellOps(cfg);
  for (;;) {
    const k = 1 + rng.int(cfg.maxOps);
    const n = k + 2;
    const labels = ['input', ...Array.from({ length: k }, () => rng.pick(ops)), 'output'];
    const matrix = labels.map(() => new Array(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng() < 0.3) matrix[i][j] = 1;
    for (let v = 1; v < n - 1; v++) {
      if (!matrix.some((r) => r[v])) matrix[rng.int(v)][v] = 1;
      if (!matrix[v].some((x) => x)) matrix[v][v + 1 + rng.int(n - 1 - v)] = 1;
    }
    if (!matrix.some((r) => r[n - 1])) matrix[n - 2][n - 1] = 1;
    const edges = matrix.flat().reduce((s, x) => s + x, 0);
    if (edges > cfg.maxEdges) continue;
    const m = { labels, matrix };
    try {
      checkModule(m);
      return m;
    } catch {
      continue;
    }
  }
}

/** Random architecture: stem, three stages of cells separated by 2x2 reductions, and a head. */
export function randomArch(rng: Rng, cfg: CnnSpaceConfig = DEFAULT_SPACE): CnnArch {
  for (;;) {
    const modules: CnnModule[] = [chain(['input', `conv3x3-c${rng.pick(cfg.stemChannels)}-bn-relu`, 'output'])];
    cfg.cellsPerStage.forEach(([lo, hi], s) => {
      if (s > 0) modules.push(chain(['input', rng() < 0.5 ? 'maxpool2x2-s2' : 'avgpool2x2-s2', 'output']));
      const count = lo + rng.int(hi - lo + 1);
      for (let i = 0; i < count; i++) modules.push(randomCell(rng, cfg));
    });
    const head = [rng() < 0.5 ? 'global-avg-pool' : 'flatten'];
    if (rng() < 0.5) head.push(`dense-${rng.pick(cfg.denseWidths)}-relu`);
    const arch = { modules, head };
    try {
      lowerArch(arch, cfg.inputShape, cfg.classes);
      return arch;
    } catch {
      continue;
    }
  }
}

/** Generates up to n distinct architectures (deduplicated by archHash). */
export function generateArchs(n: number, rng: Rng, cfg: CnnSpaceConfig = DEFAULT_SPACE): CnnArch[] {
  const seen = new Set<string>();
  const out: CnnArch[] = [];
  for (let tries = 0; out.length < n && tries < n * 50; tries++) {
    const a = randomArch(rng, cfg);
    const h = archHash(a);
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(a);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lowering: a flat, shape-annotated node list that both toModelGraph and the tfjs trainer consume.

export type PlanNode =
  | { id: string; op: 'conv'; input: string; k: number; stride: number; pad: number; cin: number; cout: number; groups: number; bnRelu: boolean; shape: number[] }
  | { id: string; op: 'pool'; input: string; pool: 'max' | 'avg'; k: number; stride: number; pad: number; shape: number[] }
  | { id: string; op: 'add'; inputs: [string, string]; shape: number[] }
  | { id: string; op: 'shuffle'; input: string; groups: number; shape: number[] }
  | { id: string; op: 'gap'; input: string; shape: number[] }
  | { id: string; op: 'flatten'; input: string; shape: number[] }
  | { id: string; op: 'dense'; input: string; fin: number; fout: number; relu: boolean; shape: number[] };

/** Lowered architecture: nodes in execution order; the input is named 'input', shapes are [C,H,W] or [F]. */
export interface Plan {
  nodes: PlanNode[];
  output: string;
  inputShape: [number, number, number];
}

const windowOut = (size: number, k: number, s: number, pad: number) => Math.floor((size + 2 * pad - k) / s) + 1;

/** Lowers an architecture to a shape-checked plan; throws FF_SPACE_INVALID naming the module. */
export function lowerArch(arch: CnnArch, inputShape: [number, number, number] = DEFAULT_SPACE.inputShape, classes = DEFAULT_SPACE.classes): Plan {
  const nodes: PlanNode[] = [];
  const shapes = new Map<string, number[]>([['input', [...inputShape]]]);
  let counter = 0;
  const add = <T extends PlanNode>(n: T): string => {
    nodes.push(n);
    shapes.set(n.id, n.shape);
    return n.id;
  };
  const fresh = (p: string) => `${p}${counter++}`;
  let x = 'input';
  arch.modules.forEach((m, mi) => {
    const where = `module ${mi}`;
    checkModule(m, where);
    const n = m.labels.length;
    const out = new Map<number, string>([[0, x]]);
    for (const v of topoOrder(m)) {
      if (v === 0) continue;
      const preds = [...Array(n).keys()].filter((u) => m.matrix[u][v]).map((u) => out.get(u)!);
      const cmax = Math.max(...preds.map((p) => shapes.get(p)![0]));
      const hw = shapes.get(preds[0])!.slice(1);
      for (const p of preds) {
        const s = shapes.get(p)!;
        if (s[1] !== hw[0] || s[2] !== hw[1]) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: vertex ${v} merges inputs of different spatial sizes (${hw.join('x')} vs ${s.slice(1).join('x')})`);
      }
      let merged = preds.map((p) => {
        const s = shapes.get(p)!;
        if (s[0] === cmax) return p;
        return add({ id: fresh(`m${mi}_proj`), op: 'conv', input: p, k: 1, stride: 1, pad: 0, cin: s[0], cout: cmax, groups: 1, bnRelu: false, shape: [cmax, s[1], s[2]] });
      });
      let acc = merged[0];
      for (const p of merged.slice(1)) acc = add({ id: fresh(`m${mi}_add`), op: 'add', inputs: [acc, p], shape: [...shapes.get(acc)!] });
      merged = [acc];
      if (v === n - 1) {
        x = acc;
        break;
      }
      const [c, h, w] = shapes.get(acc)!;
      const op = parseOp(m.labels[v]);
      const id = fresh(`m${mi}_v${v}_`);
      if (op.kind === 'conv') {
        const cout = op.channels === 'same' ? c : op.channels;
        const groups = op.groups === 'depthwise' ? c : op.groups;
        if (c % groups || cout % groups) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: ${m.labels[v]} needs channels divisible by ${groups}, input has ${c}`);
        const pad = op.k >> 1;
        add({ id, op: 'conv', input: acc, k: op.k, stride: 1, pad, cin: c, cout, groups, bnRelu: true, shape: [cout, windowOut(h, op.k, 1, pad), windowOut(w, op.k, 1, pad)] });
      } else if (op.kind === 'pool') {
        const pad = op.stride === 1 ? op.k >> 1 : 0;
        const ho = windowOut(h, op.k, op.stride, pad);
        const wo = windowOut(w, op.k, op.stride, pad);
        if (ho < 1 || wo < 1) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: ${m.labels[v]} on a ${h}x${w} map leaves nothing`);
        add({ id, op: 'pool', input: acc, pool: op.pool, k: op.k, stride: op.stride, pad, shape: [c, ho, wo] });
      } else {
        if (c % op.groups) throw new FuseFlowError('FF_SPACE_INVALID', `${where}: ${m.labels[v]} needs channels divisible by ${op.groups}, input has ${c}`);
        add({ id, op: 'shuffle', input: acc, groups: op.groups, shape: [c, h, w] });
      }
      out.set(v, id);
    }
  });
  if (!arch.head.length || (arch.head[0] !== 'global-avg-pool' && arch.head[0] !== 'flatten')) {
    throw new FuseFlowError('FF_SPACE_INVALID', `head must start with 'global-avg-pool' or 'flatten', got [${arch.head.join(', ')}]`);
  }
  if (arch.head[0] === 'global-avg-pool') {
    const s = shapes.get(x)!;
    x = add({ id: fresh('head_gap'), op: 'gap', input: x, shape: [s[0], 1, 1] });
  }
  const s = shapes.get(x)!;
  x = add({ id: fresh('head_flatten'), op: 'flatten', input: x, shape: [s.reduce((a, b) => a * b, 1)] });
  for (const label of arch.head.slice(1)) {
    const m = /^dense-(\d+)-relu$/.exec(label);
    if (!m) throw new FuseFlowError('FF_SPACE_INVALID', `unknown head op '${label}' (expected dense-<N>-relu)`);
    x = add({ id: fresh('head_dense'), op: 'dense', input: x, fin: shapes.get(x)![0], fout: +m[1], relu: true, shape: [+m[1]] });
  }
  x = add({ id: fresh('classifier'), op: 'dense', input: x, fin: shapes.get(x)![0], fout: classes, relu: false, shape: [classes] });
  return { nodes, output: x, inputShape: [...inputShape] as [number, number, number] };
}

/** Multiply-accumulates of one inference (per image). */
export function planMacs(p: Plan): number {
  let macs = 0;
  for (const n of p.nodes) {
    if (n.op === 'conv') macs += n.shape[1] * n.shape[2] * n.cout * n.k * n.k * (n.cin / n.groups);
    if (n.op === 'dense') macs += n.fin * n.fout;
  }
  return macs;
}

/** Trainable parameters. */
export function planParams(p: Plan): number {
  let params = 0;
  for (const n of p.nodes) {
    if (n.op === 'conv') params += n.cout * (n.cin / n.groups) * n.k * n.k + (n.bnRelu ? 2 * n.cout : n.cout);
    if (n.op === 'dense') params += n.fin * n.fout + n.fout;
  }
  return params;
}
