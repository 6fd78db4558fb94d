// Runs the CLI in this process and prints its result with every module it loaded (require.cache),
// so a test can check that a command loads only the plugins it needs. Started by startup.spec.ts
// with `node --conditions=@fuseflow/source -r @swc-node/register`.
import { memoryIo } from '../io';
import { runCli } from '../main';

void (async () => {
  const io = memoryIo(process.cwd());
  const code = await runCli(process.argv.slice(2), io);
  process.stdout.write(JSON.stringify({ code, out: io.out, err: io.err, modules: Object.keys(require.cache) }));
})();
