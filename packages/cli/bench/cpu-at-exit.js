'use strict';
// Preloaded (-r) into every measured process: at exit, report the process's own CPU time
// (getrusage: user + system since the process started, node's bootstrap included) on stderr.
process.on('exit', () => {
  const c = process.cpuUsage();
  require('node:fs').writeSync(2, `\n@@cpu ${JSON.stringify({ user: c.user / 1e6, system: c.system / 1e6 })}\n`);
});
