import { runManifest, createKernelEmitter } from '@fuseflow/kernel';
const events = createKernelEmitter();
for (const ev of ['run:start', 'pass:start', 'pass:end', 'diagnostic', 'run:end'] as const) (events as any).on(ev, (x: unknown) => console.log(ev, JSON.stringify(x)?.slice(0, 200)));
runManifest('examples/gcn/cora.json', { outDir: '/tmp/ff-gcn-cora', events }).then((res) => {
  console.log(JSON.stringify(res.runs.map((r) => ({ c: r.configuration, m: r.report?.metrics, err: r.error?.message?.slice(0, 400), ms: r.ms })), null, 1));
  console.log(res.ok, res.error);
}, (e) => console.log('rejected', e));
process.on('exit', (c) => console.log('exit', c));
