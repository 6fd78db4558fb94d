'use strict';
// The shell commands of the READMEs (fenced ```bash / ```sh blocks of README.md, tools/README.md and
// every packages/*/README.md, plugins/*/README.md, examples/*/README.md), so that the docs test can run them.
//
// Each command gets one of three treatments, decided by the RULES below (first match wins; a command
// no rule matches is an error, so a new kind of example gets a deliberate rule):
//   run    executed with bash in a sandbox (a copy of examples/, the repo's node_modules, packages,
//          plugins and tools linked in); must exit 0 within its timeout.
//   check  too long for every `npm test` (fig12, real training, a sweep worker, the whole build or
//          test suite) or written with placeholders (m.json, HOST). Checked cheaply instead:
//          `fuseflow <command>` exists, every option the example passes is listed in that command's
//          --help, every input file it names exists, an experiment id is one the help lists;
//          `npm run X [-w W]` names a script W has; a script run by python exists and its --help
//          lists the options. FUSEFLOW_DOCS_FULL=1 runs the long ones too (not placeholders, not
//          commands that never end such as a worker, not the test suite itself).
//   setup  `npm install`: what produced the tree the test runs in (the lock is checked by .ci/run).
//
//   node tools/docs/readme-commands.js            list every command and its treatment
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/** Names written in examples to stand for the reader's own file or host. */
const PLACEHOLDERS = ['m.json', 'HOST'];

/**
 * Rules: test(cmd) on the command (comments stripped, continuations joined, `fuseflow` normalized to
 * `npx fuseflow`). `full` says whether FUSEFLOW_DOCS_FULL=1 runs a checked command for real.
 */
const RULES = [
  { name: 'npm install', test: (c) => /^npm (install|ci)\b/.test(c), mode: 'setup' },
  { name: 'the test suite (this test is part of it)', test: (c) => /^npm (test|run test)\b/.test(c), mode: 'check', full: false },
  { name: 'build / benchmarks', test: (c) => /^npm run\b/.test(c), mode: 'check', full: true },
  { name: 'placeholder', test: (c) => tokens(c).some((t) => PLACEHOLDERS.some((p) => t === p || t.includes(`//${p}`) || t.startsWith(`${p}:`))), mode: 'check', full: false },
  { name: 'sweep worker (runs until stopped)', test: (c) => /^npx fuseflow worker\b/.test(c), mode: 'check', full: false },
  { name: 'paper experiment (minutes)', test: (c) => /^npx fuseflow experiment\b/.test(c), mode: 'check', full: true },
  { name: 'search with real training (minutes)', test: (c) => /^npx fuseflow search\b/.test(c), mode: 'check', full: true },
  { name: 'oracle fixture generator (minutes, needs the SCALE-Sim oracle)', test: (c) => /^\S*python3? tools\/oracles\//.test(c), mode: 'check', full: false },
  { name: 'fuseflow command', test: (c) => /^npx fuseflow\b/.test(c), mode: 'run', timeoutMs: 240_000 },
  { name: 'release dry run', test: (c) => /^npx nx release\b.*--dry-run\b/.test(c), mode: 'run', timeoutMs: 180_000, inRepo: true },
  { name: 'jest (the docs test runs inside it)', test: (c) => /^npx jest\b/.test(c), mode: 'check', full: false },
  { name: 'repository tool', test: (c) => /^(bash|node) tools\/[\w/.-]+( --[\w-]+)*$/.test(c), mode: 'run', timeoutMs: 60_000, inRepo: true },
];

/** Shell-like split into words (quotes removed); enough for the READMEs' commands. */
function tokens(cmd) {
  const out = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) out.push(cur);
  return out;
}

/** The line without a trailing `# comment` (a # outside quotes, at the start or after a space). */
function stripComment(line) {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** Split on `&&` outside quotes. */
function splitAnd(cmd) {
  const parts = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '&' && cmd[i + 1] === '&') {
      parts.push(cmd.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(cmd.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function readmes() {
  const files = ['README.md', 'tools/README.md'];
  for (const g of ['packages', 'plugins', 'examples']) {
    for (const d of fs.readdirSync(path.join(ROOT, g)).sort()) if (fs.existsSync(path.join(ROOT, g, d, 'README.md'))) files.push(`${g}/${d}/README.md`);
  }
  return files;
}

/** Every command of every fenced bash/sh block: { readme, line, cmd, rule }. */
function collect() {
  const out = [];
  for (const readme of readmes()) {
    const lines = fs.readFileSync(path.join(ROOT, readme), 'utf8').split('\n');
    let inBlock = false;
    let shell = false;
    let pending = '';
    let pendingLine = 0;
    lines.forEach((raw, i) => {
      const fence = /^\s*```\s*([\w-]*)/.exec(raw);
      if (fence) {
        if (!inBlock) shell = /^(bash|sh|shell)$/.test(fence[1]);
        inBlock = !inBlock;
        pending = '';
        return;
      }
      if (!inBlock || !shell) return;
      let text = stripComment(raw).trimEnd();
      if (!pending) pendingLine = i + 1;
      const cont = text.endsWith('\\');
      if (cont) text = text.slice(0, -1);
      pending += (pending ? ' ' : '') + text.trim();
      if (cont) return;
      const whole = pending.trim();
      pending = '';
      if (!whole) return;
      for (let cmd of splitAnd(whole)) {
        cmd = cmd.replace(/^fuseflow\b/, 'npx fuseflow').replace(/^node packages\/cli\/bin\/fuseflow\.js\b/, 'npx fuseflow');
        const rule = RULES.find((r) => r.test(cmd));
        out.push({ readme, line: pendingLine, cmd, rule });
      }
    });
  }
  return out;
}

if (require.main === module) {
  for (const c of collect()) console.log(`${(c.rule ? c.rule.mode : 'NO RULE').padEnd(5)}  ${c.readme}:${c.line}  ${c.cmd}${c.rule ? `   [${c.rule.name}]` : ''}`);
}

module.exports = { ROOT, PLACEHOLDERS, RULES, collect, tokens, stripComment, splitAnd };
