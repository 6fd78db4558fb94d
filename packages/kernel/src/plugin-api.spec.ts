import * as fs from 'node:fs';
import * as path from 'node:path';
import * as host from './index';
import * as api from './plugin-api';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Plugin sources (no specs, fixtures or benches): what the plugin API has to serve. */
function pluginSources(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '__fixtures__' && e.name !== 'node_modules') walk(f);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts')) out.push(f);
    }
  };
  for (const p of fs.readdirSync(path.join(ROOT, 'plugins'))) {
    const src = path.join(ROOT, 'plugins', p, 'src');
    if (fs.existsSync(src)) walk(src);
  }
  return out;
}

describe('plugin API entry (@fuseflow/kernel/plugin-api)', () => {
  // runtime names the full kernel entry has and the plugin API does not: the host's (loader, runner)
  const hostOnly = Object.keys(host).filter((k) => !(k in api));

  it('holds tokens, errors and helpers but neither the loader nor the runner', () => {
    expect(Object.keys(api)).toEqual(expect.arrayContaining(['RUNNER', 'STAGE', 'FRONTEND', 'PASS', 'BACKEND', 'SEARCHER', 'REPORTER', 'FuseFlowError', 'PLUGIN_API_VERSION']));
    expect(hostOnly).toEqual(expect.arrayContaining(['runManifest', 'Session', 'PluginLoader', 'createRunner', 'resolveManifest', 'callPluginHook', 'resolvePluginOptions']));
  });

  it('no plugin source reaches the loader or the runner: nested work goes through RUNNER', () => {
    const files = pluginSources();
    expect(files.length).toBeGreaterThan(50);
    const offences: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const rel = path.relative(ROOT, f);
      for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(@fuseflow\/kernel[^']*)'/g)) {
        if (m[2] === '@fuseflow/kernel/plugin-loader') offences.push(`${rel}: imports ${m[2]}`);
        for (const name of m[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean)) {
          if (hostOnly.includes(name)) offences.push(`${rel}: imports ${name} from ${m[2]}`);
        }
      }
      // the check: runManifest / PluginLoader / .register( only in a plugin's own registration
      text.split('\n').forEach((line, i) => {
        if (/runManifest|PluginLoader|\.register\(/.test(line) && !/\bcontainer\.register\(/.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line)) offences.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });
});
