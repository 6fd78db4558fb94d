#!/usr/bin/env node
// fuseflow-export model.py --out dir [--class Name] [--inputs spec.json] [--name N] [--opset 17]
// Runs python/fuseflow_export.py with a python that has PyTorch: $FUSEFLOW_PYTHON, /usr/bin/python3
// (Debian's python3-torch; often not the first python3 on PATH), then python3.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const script = path.resolve(__dirname, '..', 'python', 'fuseflow_export.py');
const candidates = [process.env.FUSEFLOW_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
const python = candidates.find((py) => spawnSync(py, ['-c', 'import torch, torch.fx'], { stdio: 'ignore' }).status === 0);
if (!python) {
  process.stderr.write('fuseflow-export: no python with PyTorch found (tried ' + candidates.join(', ') + ').\n' +
    '  Install Debian python3-torch (apt-get install python3-torch) or set FUSEFLOW_PYTHON.\n');
  process.exit(2);
}
const r = spawnSync(python, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
