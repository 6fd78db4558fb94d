// Child process used by the resume test: runs a sweep that the test kills mid-way.
import { InlineExecutor } from '../inline-executor';
import { runJobs } from '../run-jobs';
import { sweepJobs } from './sweep-jobs';

const [outDir, resume] = process.argv.slice(2);
runJobs(sweepJobs(), {
  executor: new InlineExecutor(),
  handler: { module: require.resolve('./square-job.js') },
  outDir,
  resume: resume === 'resume',
  onProgress: (p) => process.stdout.write(`done ${p.done}\n`),
}).catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
