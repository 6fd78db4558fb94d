import { FashionMnistTrainer } from '../src/evaluator';
import type { CnnArch } from '../src/space';
const chain = (labels: string[]) => ({ labels, matrix: labels.map((_, i) => labels.map((__, j) => (j === i + 1 ? 1 : 0))) });
const arch: CnnArch = { modules: [chain(['input', 'conv3x3-c8-bn-relu', 'output']), chain(['input', 'maxpool2x2-s2', 'output'])], head: ['global-avg-pool'] };
(async () => {
  for (const n of [64, 64, 256]) {
    const t = new FashionMnistTrainer({ trainSize: n, valSize: 100, testSize: 100, epochs: 1, learningRate: 0.01 });
    let t0 = Date.now(); const r = await t.evaluate(arch); console.log(n, JSON.stringify(r), Date.now() - t0, 'ms');
  }
})();
