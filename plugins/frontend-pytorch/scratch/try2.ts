import * as fs from 'fs';
import { importOnnx, importFx, decodeJsonTensor } from '../src';
import { evaluateModel, modelToProgram, evaluateProgram, toDense, printProgram } from '@fuseflow/ir';
const formats: any = { gcn: { A: 'dcsr', W1: 'dcsr', W2: 'dcsr' }, graphsage: { A: 'dcsr', W1s: 'dcsr', W1n: 'dcsr', W2s: 'dcsr', W2n: 'dcsr' }, sae: { X: 'dcsr', W_enc: 'dcsr', W_dec: 'dcsr' }, gpt3: { mask: 'dcsr', W1: 'dcsr', W2: 'dcsr' } };
for (const n of ['gcn', 'graphsage', 'sae', 'gpt3']) {
  const io = JSON.parse(fs.readFileSync(`/tmp/etest/out/${n}.io.json`, 'utf8'));
  const inputs: any = {};
  for (const [k, v] of Object.entries(io.inputs)) inputs[k] = decodeJsonTensor(v, k);
  for (const g of [importFx(JSON.parse(fs.readFileSync(`/tmp/etest/out/${n}.fx.json`, 'utf8'))), importOnnx(fs.readFileSync(`/tmp/etest/out/${n}.onnx`))]) {
    const r = evaluateModel(g, inputs);
    const { program, data } = modelToProgram(g, { inputs, formats: formats[n] });
    if (n === 'gcn') console.log(printProgram(program));
    const t0 = Date.now();
    const res = evaluateProgram(program, data);
    const got = toDense(res[program.outputs[0]]);
    const ref = r[g.outputs[0]].data;
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]) / Math.max(1e-6, Math.abs(ref[i])));
    console.log(n, 'program vs model maxrel', err, Date.now() - t0, 'ms');
  }
}
