// Lists every loop order of a program fully fused into one group and whether it lowers (node count) or why not.
// usage: npx ts-node --transpile-only bench/orders.ts file.tp
import { enumerateLoopOrders, inlineGroup, parseProgram, printStatement } from '@fuseflow/ir';
import { lowerStatement } from '../src/lower';
const text = require('fs').readFileSync(process.argv[2], 'utf8');
const p0 = parseProgram(text);
const p = { ...p0, groups: [{ name: 'g0', statements: p0.statements.map((s) => s.name) }] };
const stmt = inlineGroup(p, p.groups[0]);
console.log(printStatement(stmt));
for (const o of enumerateLoopOrders(stmt, p)) {
  try { const g = lowerStatement(stmt, p, { loopOrder: o, group: 'g0' }); console.log(o.join(''), 'OK', g.nodes.length); }
  catch (e) { console.log(o.join(''), 'ERR', (e as Error).message.slice(0, 150)); }
}
