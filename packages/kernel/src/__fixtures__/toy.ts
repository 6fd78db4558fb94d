import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Folder of the kernel's JS test plugins (also used by the CLI and publish e2e tests). */
export const TOY_PLUGINS_DIR = path.join(__dirname, 'plugins');
export const GCN_LAYER_TT = path.join(__dirname, 'gcn-layer.tt');

const created: string[] = [];
// Imported at the top of spec files, so this registers a file-level hook that removes the folders.
if (typeof afterAll === 'function') afterAll(() => created.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh temp folder outside the repo (removed after the importing test file). */
export function tempDir(prefix = 'ff-kernel-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

/** Paths of every toy plugin, for a manifest's `plugins` list. */
export function toyPluginPaths(): string[] {
  return fs
    .readdirSync(TOY_PLUGINS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(TOY_PLUGINS_DIR, d.name));
}

/** Write a manifest JSON into dir and return its path. */
export function writeManifest(dir: string, manifest: unknown, file = 'manifest.json'): string {
  const f = path.join(dir, file);
  fs.writeFileSync(f, typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  return f;
}

/** The GCN-layer pipeline on the toy plugins, with three configurations. */
export function gcnManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'gcn',
    seed: 7,
    plugins: toyPluginPaths(),
    frontend: { use: 'tensor-text', options: { file: GCN_LAYER_TT } },
    passes: [{ use: 'toy-fuse', options: { granularity: 'none' } }],
    backend: { use: 'dense-eval', options: { lanes: 2 } },
    configurations: [{ name: 'unfused' }, { name: 'fused', passes: 'toy-fuse{granularity=full}' }],
    ...extra,
  };
}
