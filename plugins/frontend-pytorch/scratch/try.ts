import * as fs from 'fs';
import { importOnnx, importFx, decodeJsonTensor } from '../src';
import { evaluateModel, printModel, verifyModel, modelToProgram } from '@fuseflow/ir';
for (const n of ['gcn', 'graphsage', 'sae', 'gpt3']) {
  const io = JSON.parse(fs.readFileSync(`/tmp/etest/out/${n}.io.json`, 'utf8'));
  const inputs: any = {};
  for (const [k, v] of Object.entries(io.inputs)) inputs[k] = decodeJsonTensor(v, k);
  for (const g of [importFx(JSON.parse(fs.readFileSync(`/tmp/etest/out/${n}.fx.json`, 'utf8'))), importOnnx(fs.readFileSync(`/tmp/etest/out/${n}.onnx`))]) {
    verifyModel(g);
    if (n === 'gcn') console.log(printModel(g));
    const r = evaluateModel(g, inputs);
    const ref = io.outputs.out;
    const got = r[g.outputs[0]];
    let err = 0;
    for (let i = 0; i < ref.data.length; i++) err = Math.max(err, Math.abs(got.data[i] - ref.data[i]) / Math.max(1e-6, Math.abs(ref.data[i])));
    console.log(n, g.ops.length, 'maxrel', err);
    const { program, data } = modelToProgram(g, { inputs });
    console.log(program.statements.length, Object.keys(data));
    if (n === 'gpt3') for (const s of program.statements) console.log(JSON.stringify(s).slice(0, 200));
  }
}
