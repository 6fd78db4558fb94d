import type { Job } from '../types';

/** 16 jobs of ~40 ms each; job 5 fails on purpose (a failed candidate is a result, not a crash). */
export function sweepJobs(ms = 40): Job<{ x: number; ms: number; fail?: boolean }>[] {
  return Array.from({ length: 16 }, (_, i) => ({ key: `cand-${i}`, index: i, payload: { x: i + 1, ms, ...(i === 5 ? { fail: true } : {}) } }));
}
