'use strict';
// Test job: deterministic arithmetic after a configurable delay; fails on request.
exports.runJob = async function runJob(payload) {
  // One line per execution: tests count how often a job really ran.
  if (payload.trace) require('node:fs').appendFileSync(payload.trace, `${payload.x}\n`);
  if (payload.ms) await new Promise((r) => setTimeout(r, payload.ms));
  if (payload.cpuMs) {
    // Busy work standing in for a simulation (CPU-bound, unlike the sleep above).
    const end = Date.now() + payload.cpuMs;
    let spin = 0;
    while (Date.now() < end) spin += Math.sqrt(spin + 1);
  }
  if (payload.spins) {
    // A fixed amount of CPU work (benchmarks): its wall time grows when the machine is busy.
    let spin = 0;
    for (let i = 0; i < payload.spins; i++) spin += Math.sqrt(spin + i);
    if (spin < 0) throw new Error('unreachable');
  }
  // Dies like an out-of-memory simulation would: the thread goes away without a result.
  if (payload.crash) process.exit(3);
  if (payload.fail) {
    const err = new Error(`candidate ${payload.x} is invalid`);
    err.code = 'FF_TEST_FAIL';
    throw err;
  }
  let acc = 0;
  for (let i = 1; i <= payload.x; i++) acc += i * i;
  return { x: payload.x, sumOfSquares: acc };
};
