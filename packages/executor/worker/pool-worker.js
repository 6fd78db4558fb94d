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

module.exports = async function runPooledJob(task) {
  const start = Date.now();
  try {
    const result = await handlerOf(task.handler)(task.payload, { key: task.key, index: task.index, attempt: task.attempt || 1 });
    return { ok: true, result, ms: Date.now() - start };
  } catch (err) {
    const error = { message: String((err && err.message) || err) };
    if (err && typeof err.code === 'string') error.code = err.code;
    return { ok: false, error, ms: Date.now() - start };
  }
};
