import { bindModel } from '../src';
import { modelToProgram, evaluateProgram } from '@fuseflow/ir';
import * as path from 'path';
import * as fs from 'fs';
for (const m of process.argv.slice(2)) {
  const man = JSON.parse(fs.readFileSync(m, 'utf8'));
  const t0 = Date.now();
  const b = bindModel(man.frontend.options, path.dirname(m), man.seed);
  const t1 = Date.now();
  const { program, data } = modelToProgram(b.graph, { inputs: b.inputs, formats: b.formats });
  const t2 = Date.now();
  let ev = '';
  if (process.env.EVAL) { evaluateProgram(program, data); ev = ` eval ${Date.now() - t2} ms`; }
  console.log(m, `bind ${t1 - t0} ms, lower ${t2 - t1} ms${ev}`, program.statements.length, 'stmts', Object.entries(data).map(([k, v]) => `${k}[${v.shape}]:${v.vals.length}`).join(' '));
}
