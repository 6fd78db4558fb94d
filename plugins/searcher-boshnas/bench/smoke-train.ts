import { FashionMnistTrainer } from '../src/evaluator';
import { generateArchs, describeArch, planMacs, lowerArch } from '../src/space';
import { makeRng } from '../src/rng';
(async () => {
  const archs = generateArchs(3, makeRng(3));
  const t = new FashionMnistTrainer({ trainSize: +(process.argv[2] ?? 200), valSize: 200, testSize: 200, epochs: 1 });
  for (const a of archs) {
    const t0 = Date.now();
    const r = await t.evaluate(a);
    console.log(describeArch(a), 'MACs', planMacs(lowerArch(a)), JSON.stringify(r), (Date.now() - t0) / 1000, 's');
  }
})();
