import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIo, PluginCandidate, SchemaPlugin } from '@fuseflow/kernel';
import type { PluginLoader } from '@fuseflow/kernel/plugin-loader';

/** The installed plugins as the manifest schema sees them (imports each; broken ones are left out). */
export function schemaPlugins(loader: PluginLoader): SchemaPlugin[] {
  return loader
    .discover()
    .filter((c: PluginCandidate) => c.plugin && !c.error)
    .map((c) => {
      const p = c.plugin!;
      return { kind: p.kind, id: p.id, aliases: Object.keys(p.aliases ?? {}), description: p.description, optionsSchema: p.optionsSchema as Record<string, unknown> | undefined, defaultOptions: p.defaultOptions as Record<string, unknown> | undefined };
    });
}

/**
 * `fuseflow schema [--out FILE]`: the manifest JSON Schema for the installed plugins (completion of
 * `use` ids and of each plugin's options in an editor that reads `$schema`).
 */
export function cmdSchema(loader: PluginLoader, opts: { out?: string }, io: CliIo): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildManifestSchema, FuseFlowError } = require('@fuseflow/kernel') as typeof import('@fuseflow/kernel');
  const text = `${JSON.stringify(buildManifestSchema(schemaPlugins(loader)), null, 2)}\n`;
  if (!opts.out) {
    io.stdout(text.trimEnd());
    return 0;
  }
  const file = path.resolve(io.cwd, opts.out);
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new FuseFlowError('FF_OUTPUT_UNWRITABLE', `schema --out: cannot write ${file}: ${(e as Error).message}`, { path: file, cause: e });
  }
  io.stdout(`wrote ${file}`);
  return 0;
}
