import type { CliCommandSpec } from '@fuseflow/kernel';
import { redactUrl, startQueueWorker } from './redis-executor';

/**
 * `fuseflow worker --queue redis://host:port`: takes pipeline jobs from a Redis queue until
 * stopped (SIGINT/SIGTERM). Start one per core on as many machines as you like.
 */
export const workerCommand: CliCommandSpec = {
  name: 'worker',
  description: 'run sweep jobs from a Redis queue (start any number, on any machines that reach Redis)',
  options: [
    { flags: '--queue <url>', description: 'Redis URL, e.g. redis://10.0.0.5:6379', default: 'redis://127.0.0.1:6379' },
    { flags: '--name <queue>', description: 'queue name (the sweep\'s --queue-name)', default: 'fuseflow' },
    { flags: '--concurrency <n>', description: 'jobs run at once by this process', default: '1' },
    { flags: '--lock-ms <ms>', description: 'a worker silent this long is presumed dead and its job retried', default: '30000' },
    { flags: '--queue-timeout-ms <ms>', description: 'give up with FF_QUEUE_UNAVAILABLE when Redis cannot be reached at start for this long', default: '10000' },
  ],
  async action(_args, options, io) {
    const concurrency = Number(options.concurrency ?? 1);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      io.stderr(`--concurrency must be a positive integer, got "${String(options.concurrency)}"\n`);
      return 2;
    }
    for (const [flag, v] of [['--lock-ms', options.lockMs], ['--queue-timeout-ms', options.queueTimeoutMs]] as const) {
      if (v !== undefined && !(Number(v) > 0)) {
        io.stderr(`FF_OPTIONS_INVALID: ${flag} must be a positive number of milliseconds, got "${String(v)}"\n`);
        return 2;
      }
    }
    const worker = await startQueueWorker({
      url: String(options.queue),
      queue: String(options.name),
      concurrency,
      lockDurationMs: Number(options.lockMs ?? 30000),
      timeoutMs: Number(options.queueTimeoutMs ?? 10000),
    });
    io.stdout(`worker ${worker.name} waiting for jobs on ${redactUrl(String(options.queue))} queue "${String(options.name)}"\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await worker.close();
    // With Redis gone, BullMQ can leave a timer behind after close: a stopped worker must still exit.
    setTimeout(() => process.exit(0), 1000).unref();
    return 0;
  },
};
