'use strict';
// Every shell command of the READMEs, run or checked (see readme-commands.js for which and why),
// so that the examples cannot rot. FUSEFLOW_DOCS_FULL=1 also runs the long ones.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, PLACEHOLDERS, collect, tokens } = require('./readme-commands');

const FULL = process.env.FUSEFLOW_DOCS_FULL === '1';
const all = collect();
// A command written in several READMEs runs once (at its first place); the others are listed with it.
const unique = [];
for (const c of all) {
  const first = unique.find((u) => u.cmd === c.cmd);
  if (first) first.also.push(`${c.readme}:${c.line}`);
  else unique.push({ ...c, also: [] });
}

let sandbox = '';
const env = () => ({ ...process.env, PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, FORCE_COLOR: '0', NO_COLOR: '1' });

function sh(cmd, cwd, timeoutMs) {
  const t0 = Date.now();
  const r = spawnSync('bash', ['-c', cmd], { cwd, env: env(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds: (Date.now() - t0) / 1000 };
}

const tail = (s, n = 2000) => (s.length > n ? `...${s.slice(-n)}` : s);
function explain(cmd, r) {
  return `\`${cmd}\` exited ${r.status ?? r.signal} after ${r.seconds.toFixed(1)} s\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}

const helpCache = new Map();
/** `fuseflow <sub> --help` (or the top-level help): the text and the options it lists. */
function help(sub) {
  if (!helpCache.has(sub)) {
    const r = sh(`npx fuseflow ${sub ? `${sub} ` : ''}--help`, sandbox, 60_000);
    const options = new Map(); // name -> takes a value
    for (const m of r.stdout.matchAll(/(?:^|\s)(-\w)?(?:, )?(--[\w-]+)( <[^>]+>| \[[^\]]+\])?/gm)) {
      if (m[1]) options.set(m[1], !!m[3]);
      options.set(m[2], !!m[3]);
    }
    helpCache.set(sub, { ...r, options });
  }
  return helpCache.get(sub);
}

const looksLikeFile = (t) => !/^\w+:\/\//.test(t) && (/\//.test(t) || /\.(json|csv|onnx|cfg|mtx|txt|py|pb)$/.test(t));
const OUTPUTS = new Set(['--out', '--dot']);

/** The cheap check of a `fuseflow` command: the command, its options and its input files exist. */
function checkFuseflow(cmd) {
  const words = tokens(cmd).slice(2); // after `npx fuseflow`
  const problems = [];
  const top = help('');
  expect(top.status).toBe(0);
  // the subcommand is the first word that is neither a global option nor a global option's value
  let subIndex = -1;
  for (let i = 0; i < words.length && subIndex < 0; i++) {
    const w = words[i];
    if (!w.startsWith('-')) subIndex = i;
    else if (top.options.get(w.split('=')[0]) && !w.includes('=')) i++;
  }
  const sub = subIndex >= 0 ? words[subIndex] : '';
  const h = sub ? help(sub) : top;
  if (h.status !== 0 || !new RegExp(`^Usage: fuseflow ${sub}`).test(h.stdout)) problems.push(`\`fuseflow ${sub} --help\` failed or is not that command's help:\n${explain(`fuseflow ${sub} --help`, h)}`);
  const positional = [];
  for (let i = 0; i < words.length; i++) {
    if (i === subIndex) continue;
    const w = words[i];
    if (w.startsWith('-')) {
      const name = w.split('=')[0];
      const takes = h.options.has(name) ? h.options.get(name) : top.options.get(name);
      if (takes === undefined) problems.push(`option ${name} is not in \`fuseflow ${sub} --help\``);
      if (takes && !w.includes('=')) {
        const v = words[++i];
        if (v !== undefined && !OUTPUTS.has(name) && looksLikeFile(v) && !fs.existsSync(path.join(sandbox, v))) problems.push(`${name} ${v}: no such file`);
      }
    } else positional.push(w);
  }
  for (const p of positional) {
    if (PLACEHOLDERS.includes(p)) continue;
    if (looksLikeFile(p)) {
      if (!fs.existsSync(path.join(sandbox, p))) problems.push(`${p}: no such file`);
    } else if (sub === 'experiment' && !h.stdout.includes(p)) problems.push(`experiment ${p}: not one the help lists`);
  }
  expect(problems).toEqual([]);
}

/** `npm run X [-w W]` / `npm test`: the script exists where npm will look for it. */
function checkNpm(cmd) {
  const w = tokens(cmd);
  const script = w[1] === 'test' ? 'test' : w[2];
  const wi = w.findIndex((t) => t === '-w' || t === '--workspace');
  let dir = ROOT;
  if (wi >= 0) {
    const ws = w[wi + 1];
    dir = ['packages', 'plugins'].flatMap((g) => fs.readdirSync(path.join(ROOT, g)).map((d) => path.join(ROOT, g, d))).find((d) => {
      const f = path.join(d, 'package.json');
      return fs.existsSync(f) && (JSON.parse(fs.readFileSync(f, 'utf8')).name === ws || path.relative(ROOT, d) === ws);
    });
    expect({ workspace: ws, found: !!dir }).toEqual({ workspace: ws, found: true });
  }
  const scripts = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts ?? {};
  expect(Object.keys(scripts)).toContain(script);
}

/** `python3 tools/oracles/x.py --opt ...`: the script exists and its --help lists the options. */
function checkPython(cmd) {
  const w = tokens(cmd);
  const script = path.join(ROOT, w[1]);
  expect(fs.existsSync(script)).toBe(true);
  const r = spawnSync(w[0], [script, '--help'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  const missing = w.slice(2).filter((t) => t.startsWith('--') && !r.stdout.includes(t.split('=')[0]));
  expect(missing).toEqual([]);
}

/** `npx jest -c <config>`: the config exists. */
function checkJest(cmd) {
  const w = tokens(cmd);
  const ci = w.findIndex((t) => t === '-c' || t === '--config');
  expect(ci >= 0 && fs.existsSync(path.join(ROOT, w[ci + 1]))).toBe(true);
}

function check(cmd) {
  if (/^npx fuseflow\b/.test(cmd)) checkFuseflow(cmd);
  else if (/^npx jest\b/.test(cmd)) checkJest(cmd);
  else if (/^npm\b/.test(cmd)) checkNpm(cmd);
  else if (/python3?\b/.test(tokens(cmd)[0])) checkPython(cmd);
  else throw new Error(`no cheap check for \`${cmd}\`: add one in readme-commands.spec.js`);
}

const timings = [];
function runForReal(c, timeoutMs) {
  // npm scripts act on the repository; everything else runs in the sandbox (outputs land there)
  const r = sh(c.cmd, /^npm\b/.test(c.cmd) || c.rule.inRepo ? ROOT : sandbox, timeoutMs);
  timings.push(`${r.seconds.toFixed(1).padStart(6)} s  ${c.cmd}`);
  if (r.status !== 0) throw new Error(explain(c.cmd, r));
  if (/\s--json\b/.test(c.cmd)) expect(() => JSON.parse(r.stdout)).not.toThrow();
  // a command can exit 0 and still have reported a coded error
  expect(r.stderr.match(/\bFF_[A-Z_]+\b.*/g) ?? []).toEqual([]);
}

beforeAll(() => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-docs-'));
  // outputs of a run land beside its manifest: a private copy of examples/ keeps them out of the repo
  fs.cpSync(path.join(ROOT, 'examples'), path.join(sandbox, 'examples'), { recursive: true, filter: (src) => !/[\\/]out([\\/]|$)/.test(path.relative(ROOT, src)) });
  for (const l of ['node_modules', 'packages', 'plugins', 'tools', 'package.json']) fs.symlinkSync(path.join(ROOT, l), path.join(sandbox, l));
});
afterAll(() => {
  if (timings.length) console.log(`README commands run (wall seconds each):\n${timings.join('\n')}`);
  if (sandbox) fs.rmSync(sandbox, { recursive: true, force: true });
});

describe('README command extraction and the cheap check', () => {
  const { stripComment, splitAnd } = require('./readme-commands');
  it('splits words, comments and && like the shell for these examples', () => {
    expect(tokens(`npx fuseflow run m.json -c "fully fused" --passes 'a{x=1},b'`)).toEqual(['npx', 'fuseflow', 'run', 'm.json', '-c', 'fully fused', '--passes', 'a{x=1},b']);
    expect(stripComment('npx fuseflow plugins   # installed plugins')).toBe('npx fuseflow plugins   ');
    expect(stripComment('echo "a # b" # c')).toBe('echo "a # b" ');
    expect(splitAnd('npm install && npm run build && npx fuseflow run "a && b"')).toEqual(['npm install', 'npm run build', 'npx fuseflow run "a && b"']);
  });
  it('fails a misspelled option, a missing input file, an unknown experiment and an unknown script', () => {
    expect(() => checkFuseflow('npx fuseflow experiment fig12 --mdoe fast')).toThrow(/--mdoe is not in/);
    expect(() => checkFuseflow('npx fuseflow run examples/gcn/no-such.json')).toThrow(/no such file/);
    expect(() => checkFuseflow('npx fuseflow experiment fig99')).toThrow(/fig99: not one the help lists/);
    expect(() => checkNpm('npm run no-such-script')).toThrow();
    expect(() => checkFuseflow('npx fuseflow experiment fig12 --mode fast')).not.toThrow();
    expect(() => checkFuseflow('npx fuseflow --print-ir-after fusion validate examples/gcn/cora.json')).not.toThrow();
  }, 120_000);
});

describe('README commands', () => {
  it('every command has a rule (run, check or setup)', () => {
    expect(all.filter((c) => !c.rule).map((c) => `${c.readme}:${c.line} ${c.cmd}`)).toEqual([]);
    expect(all.length).toBeGreaterThan(10);
  });

  for (const c of unique.filter((u) => u.rule)) {
    const { mode, name, full, timeoutMs } = c.rule;
    const where = `${c.readme}:${c.line}${c.also.length ? ` (also ${c.also.join(', ')})` : ''}`;
    if (mode === 'setup') {
      it(`setup  ${where}: ${c.cmd} (the tree this test runs in)`, () => {
        expect(fs.existsSync(path.join(ROOT, 'node_modules', '.package-lock.json'))).toBe(true);
      });
    } else if (mode === 'run' || (FULL && full)) {
      const ms = timeoutMs ?? 3_600_000;
      it(`run    ${where}: ${c.cmd}`, () => runForReal(c, ms), ms + 30_000);
    } else {
      it(`check  ${where}: ${c.cmd} [${name}]`, () => check(c.cmd), 120_000);
    }
  }
});
