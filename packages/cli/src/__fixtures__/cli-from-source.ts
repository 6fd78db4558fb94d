// The CLI from its TypeScript sources (tests run it in a child process: vega, an ES module, loads
// there but not inside jest's VM).
import { main } from '../main';

main(process.argv).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
});
