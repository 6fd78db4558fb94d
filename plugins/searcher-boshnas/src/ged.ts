import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import type { CnnArch } from './space';

/** A node-labelled directed graph: labels[i] of node i, edges as [from, to]. */
export interface LabelledGraph {
  labels: string[];
  edges: Array<[number, number]>;
}

/**
 * The whole architecture as one graph (what the reference's graph edit distance compares): an
 * 'image' node, every module's op vertices, a 'sum' node where a module's output merges several
 * branches (a single-branch output is its predecessor), and the head ops in a chain. Stages are
 * joined output to input, so edits inside a module and edits to the module sequence both count.
 */
export function archGraph(arch: CnnArch): LabelledGraph {
  const labels = ['image'];
  const edges: Array<[number, number]> = [];
  let x = 0;
  for (const m of arch.modules) {
    const n = m.labels.length;
    const node = new Map<number, number>([[0, x]]);
    for (let v = 1; v < n; v++) {
      const preds = [...Array(n).keys()].filter((u) => m.matrix[u][v]);
      if (v === n - 1 && preds.length === 1) {
        node.set(v, node.get(preds[0])!);
        continue;
      }
      const id = labels.push(v === n - 1 ? 'sum' : m.labels[v]) - 1;
      for (const u of preds) edges.push([node.get(u)!, id]);
      node.set(v, id);
    }
    x = node.get(n - 1)!;
  }
  for (const h of arch.head) {
    const id = labels.push(h) - 1;
    edges.push([x, id]);
    x = id;
  }
  return { labels, edges };
}

/**
 * Exact graph edit distance with unit costs (node substitution 1 when labels differ, node and edge
 * insertion/deletion 1; edges directed and unlabelled), by depth-first branch and bound over node
 * maps with a label-multiset plus edge-count lower bound. Exponential in the worst case: meant for
 * the small graphs the embedding is validated on. Throws FF_GED_LIMIT after `maxExpansions`.
 */
export function exactGed(g1: LabelledGraph, g2: LabelledGraph, maxExpansions = 5_000_000): number {
  const n1 = g1.labels.length;
  const n2 = g2.labels.length;
  const adj1 = [...Array(n1)].map(() => new Uint8Array(n1));
  const adj2 = [...Array(n2)].map(() => new Uint8Array(n2));
  for (const [a, b] of g1.edges) adj1[a][b] = 1;
  for (const [a, b] of g2.edges) adj2[a][b] = 1;
  const deg1 = adj1.map((r, i) => r.reduce((s, x) => s + x, 0) + adj1.reduce((s, row) => s + row[i], 0));
  const deg2 = adj2.map((r, i) => r.reduce((s, x) => s + x, 0) + adj2.reduce((s, row) => s + row[i], 0));
  const map = new Int32Array(n1).fill(-2); // -2 unassigned, -1 deleted, else node of g2
  const used = new Uint8Array(n2);
  let best = n1 + n2 + g1.edges.length + g2.edges.length; // delete everything, insert everything
  let expansions = 0;

  /** Lower bound on the cost still to come once g1 nodes [k, n1) are left to map. */
  const bound = (k: number): number => {
    const count = new Map<string, number>();
    for (let u = k; u < n1; u++) count.set(g1.labels[u], (count.get(g1.labels[u]) ?? 0) + 1);
    let common = 0;
    let r2 = 0;
    for (let v = 0; v < n2; v++) {
      if (used[v]) continue;
      r2++;
      const c = count.get(g2.labels[v]) ?? 0;
      if (c > 0) (common++, count.set(g2.labels[v], c - 1));
    }
    const nodes = Math.max(n1 - k, r2) - common;
    // edges not yet costed: in g1 those touching an unmapped node, in g2 those touching an unused node
    let e1 = 0;
    for (const [a, b] of g1.edges) if (a >= k || b >= k) e1++;
    let e2 = 0;
    for (const [a, b] of g2.edges) if (!used[a] || !used[b]) e2++;
    return nodes + Math.abs(e1 - e2);
  };

  /** Cost of mapping g1 node k to t (or deleting it, t = -1) given the nodes before it. */
  const stepCost = (k: number, t: number): number => {
    let c = t < 0 ? 1 : g1.labels[k] === g2.labels[t] ? 0 : 1;
    for (let u = 0; u < k; u++) {
      const mu = map[u];
      for (const [e1, e2] of [
        [adj1[u][k], t >= 0 && mu >= 0 ? adj2[mu][t] : 0],
        [adj1[k][u], t >= 0 && mu >= 0 ? adj2[t][mu] : 0],
      ]) {
        if (e1 !== e2) c++;
      }
    }
    if (t >= 0 && adj1[k][k] !== adj2[t][t]) c++;
    return c;
  };

  const finalCost = (): number => {
    // g2 nodes left unused are inserted with every edge touching them
    let c = 0;
    for (let v = 0; v < n2; v++) if (!used[v]) c++;
    for (const [a, b] of g2.edges) if (!used[a] || !used[b]) c++;
    return c;
  };

  const dfs = (k: number, cost: number): void => {
    if (++expansions > maxExpansions) throw new FuseFlowError('FF_GED_LIMIT', `exact graph edit distance gave up after ${maxExpansions} expansions (graphs of ${n1} and ${n2} nodes)`);
    if (k === n1) {
      best = Math.min(best, cost + finalCost());
      return;
    }
    if (cost + bound(k) >= best) return;
    // same label and similar degree first: good complete maps early tighten the bound
    const order = [...Array(n2).keys()].filter((v) => !used[v]);
    order.sort((a, b) => Number(g2.labels[b] === g1.labels[k]) - Number(g2.labels[a] === g1.labels[k]) || Math.abs(deg2[a] - deg1[k]) - Math.abs(deg2[b] - deg1[k]) || a - b);
    for (const t of [...order, -1]) {
      const c = cost + stepCost(k, t);
      if (c >= best) continue;
      map[k] = t;
      if (t >= 0) used[t] = 1;
      dfs(k + 1, c);
      if (t >= 0) used[t] = 0;
      map[k] = -2;
    }
  };
  dfs(0, 0);
  return best;
}

/** Histogram features of a graph: counts of node labels and of (label -> label) edges. */
export function graphFeatures(g: LabelledGraph): Map<string, number> {
  const f = new Map<string, number>();
  const bump = (k: string) => f.set(k, (f.get(k) ?? 0) + 1);
  for (const l of g.labels) bump(`v:${l}`);
  for (const [a, b] of g.edges) bump(`e:${g.labels[a]}>${g.labels[b]}`);
  return f;
}

/** L1 distance between two feature histograms. */
export function featureDistance(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const [k, x] of a) d += Math.abs(x - (b.get(k) ?? 0));
  for (const [k, y] of b) if (!a.has(k)) d += y;
  return d;
}

/** Ranks with ties averaged (1-based). */
function ranks(v: number[]): number[] {
  const idx = [...v.keys()].sort((a, b) => v[a] - v[b]);
  const r = new Array(v.length).fill(0);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson correlation of tie-averaged ranks). */
export function spearman(x: number[], y: number[]): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Kendall's tau-b (O(n^2); n is a few hundred pairs). */
export function kendall(x: number[], y: number[]): number {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const a = Math.sign(x[i] - x[j]);
      const b = Math.sign(y[i] - y[j]);
      if (a === 0 && b === 0) continue;
      if (a === 0) tx++;
      else if (b === 0) ty++;
      else if (a === b) c++;
      else d++;
    }
  }
  return (c - d) / Math.sqrt((c + d + tx) * (c + d + ty));
}
