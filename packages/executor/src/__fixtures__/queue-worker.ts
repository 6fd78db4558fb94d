// Child process used by the queue tests: one `fuseflow worker`-like process.
import { startQueueWorker } from '../redis-executor';
import { registerSquareKind } from './square-kind';

const [url, queue, name, lockMs] = process.argv.slice(2);
registerSquareKind();
startQueueWorker({ url, queue, name, lockDurationMs: Number(lockMs || 1500), timeoutMs: 5000 })
  .then(() => process.stdout.write(`ready ${name}\n`))
  .catch((err) => {
    process.stderr.write(`${err?.code ?? ''} ${err?.message ?? err}\n`);
    process.exit(1);
  });
