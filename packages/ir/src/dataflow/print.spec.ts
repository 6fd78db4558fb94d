import { DATAFLOW_STAGE } from '../stage-defs';
import { printDataflowGraph } from './print';
import { tinyScanGraph } from './__fixtures__/tiny-graph';

describe('dataflow text printer (beside the DOT one)', () => {
  it('prints one line per node with its attributes and channel ends, then the stream kinds', () => {
    const g = tinyScanGraph();
    const lines = printDataflowGraph(g).trimEnd().split('\n');
    expect(lines[0]).toBe(`dataflow tiny: ${g.nodes.length} nodes, ${g.channels.length} channels`);
    expect(lines).toContain('  tensor A: [4] sparse input');
    const scan = g.nodes.find((n) => n.label === 'scanA')!;
    const inRef = scan.inputs.ref;
    const line = lines.find((l) => l.includes('"scanA"'))!;
    expect(line).toBe(`  n${scan.id} = level_scan "scanA" {level=0 tensor=A} (ref=c${inRef}) -> (${Object.entries(scan.outputs).map(([p, c]) => `${p}=c${c}`).join(', ')})`);
    // every node once, every channel id on both of its ends
    expect(lines.filter((l) => /^ {2}n\d+ = /.test(l))).toHaveLength(g.nodes.length);
    for (const c of g.channels) expect(lines.join('\n').match(new RegExp(`=c${c.id}\\b`, 'g'))).toHaveLength(2);
    expect(lines).toContain(`  ref channels: ${g.channels.filter((c) => c.kind === 'ref').length}`);
  });

  it('is the dataflow stage printer (no tensor data), and the stage verifies its graphs', () => {
    const g = tinyScanGraph();
    const m = { stage: 'dataflow', graphs: [g], data: { A: { shape: [4], format: { levels: ['compressed'], modeOrder: [0] }, levels: [], vals: new Float64Array(1000) } } };
    const text = DATAFLOW_STAGE.print(m);
    expect(text).toContain('  bound A: [4] sparse, 1000 stored values');
    expect(text.split('\n').length).toBeLessThan(20);
    expect(() => DATAFLOW_STAGE.verify(m)).not.toThrow();
    const broken = tinyScanGraph();
    broken.nodes.find((n) => n.kind === 'val_write')!.inputs = {};
    expect(() => DATAFLOW_STAGE.verify({ stage: 'dataflow', graphs: [broken] })).toThrow(/node 5 'wv' \(val_write\) port 'val', but that node's inputs map it to nothing/);
  });
});
