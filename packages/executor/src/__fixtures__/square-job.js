'use strict';
// Test job: deterministic arithmetic after a configurable delay; fails on request.
exports.runJob = async function runJob(payload) {
  if (payload.ms) await new Promise((r) => setTimeout(r, payload.ms));
  if (payload.fail) {
    const err = new Error(`candidate ${payload.x} is invalid`);
    err.code = 'FF_TEST_FAIL';
    throw err;
  }
  let acc = 0;
  for (let i = 1; i <= payload.x; i++) acc += i * i;
  return { x: payload.x, sumOfSquares: acc };
};
