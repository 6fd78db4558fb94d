import { bindModel } from '../src';
import { modelToProgram } from '@fuseflow/ir';
const b = bindModel({ model: 'gpt3.fx.json' }, '/work/main/examples/gpt3', 1);
const { program } = modelToProgram(b.graph, { inputs: b.inputs });
console.log(program.statements.map((s) => s.name).join(' '));
