// Child process used by the queue tests: one `fuseflow worker`-like process.
import { startQueueWorker } from '../redis-executor';

const [url, queue, name] = process.argv.slice(2);
startQueueWorker({ url, queue, name, lockDurationMs: 1500 })
  .then(() => process.stdout.write(`ready ${name}\n`))
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
