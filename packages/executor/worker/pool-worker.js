'use strict';
// Piscina worker: runs one job with the handler module named in the task. Plain JavaScript
// because worker threads load files directly (no TypeScript transform there).
const cache = new Map();

function handlerOf(ref) {
  const id = `${ref.module}#${ref.exportName || 'runJob'}`;
  let fn = cache.get(id);
  if (!fn) {
    const mod = require(ref.module);
    fn = mod[ref.exportName || 'runJob'] || (mod.default && mod.default[ref.exportName || 'runJob']);
    if (typeof fn !== 'function') throw new Error(`job handler module ${ref.module} has no exported function "${ref.exportName || 'runJob'}"`);
    cache.set(id, fn);
  }
  return fn;
}

let runner;
/** JobInfo of a task; its runner (a kernel session host) is created on first use and kept per thread. */
function jobInfo(task) {
  return {
    key: task.key,
    index: task.index,
    attempt: task.attempt || 1,
    get runner() {
      return (runner ??= require('@fuseflow/kernel').createRunner());
    },
  };
}

module.exports = async function runPooledJob(task) {
  const start = Date.now();
  try {
    const result = await handlerOf(task.handler)(task.payload, jobInfo(task));
    return { ok: true, result, ms: Date.now() - start };
  } catch (err) {
    const error = { message: String((err && err.message) || err) };
    if (err && typeof err.code === 'string') error.code = err.code;
    return { ok: false, error, ms: Date.now() - start };
  }
};
