import type { Runner } from '@fuseflow/kernel/plugin-api';
import type { JobInfo } from './types';

let runner: Runner | undefined;

/** JobInfo of a job run in this process; its runner is created on first use (the kernel loads only then). */
export function jobInfo(key: string, index: number, attempt: number): JobInfo {
  return {
    key,
    index,
    attempt,
    get runner(): Runner {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (runner ??= (require('@fuseflow/kernel') as typeof import('@fuseflow/kernel')).createRunner());
    },
  };
}
