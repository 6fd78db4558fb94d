import { runManifest } from '@fuseflow/kernel';
import { printProgram } from '@fuseflow/ir';

(async () => {
  const res = await runManifest('examples/gcn/cora.json', { outDir: '/tmp/ff-gcn-cora', passes: undefined });
  console.log(JSON.stringify(res.runs.map((r) => ({ c: r.configuration, m: r.report?.metrics, err: r.error?.message?.slice(0, 400), ms: r.ms })), null, 1));
})();
