#!/usr/bin/env node
'use strict';
// Starts a throwaway verdaccio registry on loopback for publish tests:
//   node tools/registry/local-registry.js <workdir> [upstream-registry-url]
// Writes <workdir>/config.yaml (storage and htpasswd inside <workdir>), listens on 127.0.0.1 at a
// random free port, and prints one line "LISTENING http://127.0.0.1:<port>/" when ready.
// verdaccio 6's own CLI refuses Node < 22; its programmatic runServer works on Node 20, so we use it.
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  const [workdir, upstream] = process.argv.slice(2);
  if (!workdir) {
    console.error('usage: local-registry.js <workdir> [upstream-registry-url]');
    process.exit(2);
  }
  fs.mkdirSync(path.join(workdir, 'storage'), { recursive: true });
  const config = [
    `storage: ${JSON.stringify(path.join(workdir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(path.join(workdir, 'htpasswd'))}`,
    '    max_users: 100',
    ...(upstream ? ['uplinks:', '  upstream:', `    url: ${JSON.stringify(upstream)}`, '    timeout: 120s', '    max_fails: 5'] : []),
    'packages:',
    // our packages are served only from this registry (never proxied), everything else from upstream
    "  '@fuseflow/*':",
    '    access: $all',
    '    publish: $authenticated',
    "  'fuseflow-*':",
    '    access: $all',
    '    publish: $authenticated',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    ...(upstream ? ['    proxy: upstream'] : []),
    'server:',
    '  keepAliveTimeout: 60',
    'max_body_size: 200mb',
    'log: { type: stdout, format: pretty, level: error }',
    '',
  ].join('\n');
  const configPath = path.join(workdir, 'config.yaml');
  fs.writeFileSync(configPath, config);
  const { runServer } = require('verdaccio');
  const server = await runServer(configPath);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    process.stdout.write(`LISTENING http://127.0.0.1:${port}/\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
