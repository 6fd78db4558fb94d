import type { ModuleResult } from './simulate';

function pad(s: string | number, n: number, right = false): string {
  const t = String(s);
  return right ? t.padStart(n) : t.padEnd(n);
}

/** Readable text table of a module run: per-graph totals and per-node counters. */
export function formatReport(r: ModuleResult, engine: string, profile: string): string {
  const lines: string[] = [];
  lines.push(`RDA simulation (${engine} engine, timing profile '${profile}')`);
  lines.push(`total: ${r.cycles} cycles, ${r.flops} flops, ${r.bytes} bytes, ${r.tokens} channel tokens, values ${r.valuesChecked ? 'checked OK' : 'NOT checked'}`);
  if (r.sequentialCycles !== r.cycles) lines.push(`kernels overlap independent graphs: ${r.sequentialCycles} cycles if every graph ran alone in turn`);
  for (const g of r.graphs) {
    lines.push('');
    lines.push(`graph ${g.graph}: ${g.cycles} cycles, ${g.flops} flops, ${g.bytes} bytes, ${g.tokens} tokens (${g.ms.toFixed(1)} ms wall)`);
    const head = ['node', 'kind', 'in', 'out', 'busy', 'stall', 'finish', 'ops', 'reads', 'writes'];
    const w = [28, 11, 9, 9, 9, 9, 9, 9, 9, 9];
    lines.push(head.map((h, i) => pad(h, w[i], i > 1)).join(' '));
    for (const n of g.nodes) {
      lines.push(
        [n.label, n.kind, n.tokensIn, n.tokensOut, n.busy, n.stall, n.finish, n.ops, n.reads, n.writes].map((v, i) => pad(i === 0 ? String(v).slice(0, 28) : v, w[i], i > 1)).join(' '),
      );
    }
  }
  return lines.join('\n') + '\n';
}
