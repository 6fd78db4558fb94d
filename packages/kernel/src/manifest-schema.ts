import * as fs from 'node:fs';
import * as path from 'node:path';
import { clone, isPlainObject } from './merge';
import type { PluginKind } from './plugin';

/** What the manifest schema needs to know of one installed plugin. */
export interface SchemaPlugin {
  kind: PluginKind;
  id: string;
  aliases?: string[];
  description?: string;
  optionsSchema?: Record<string, unknown>;
  defaultOptions?: Record<string, unknown>;
}

/**
 * `use` values the schema cannot know ahead: paths, scoped packages, `module:` ids and
 * `fuseflow-*` packages. A bare word must be a known id, so a typo such as "fusoin" fails.
 */
export const EXTERNAL_USE_PATTERN = '^(\\.{1,2}([\\\\/]|$)|[\\\\/]|[A-Za-z]:[\\\\/]|@|module:|fuseflow-)';

const BASE_SCHEMA_PATH = path.join(__dirname, '..', 'manifest.schema.json');

/** The manifest slots holding plugin uses, by the plugin kind each takes. */
const SLOT_KIND: Record<'frontend' | 'backend' | 'search', PluginKind> = { frontend: 'frontend', backend: 'backend', search: 'searcher' };

/**
 * The kernel's manifest schema specialised to a set of installed plugins, for editor completion
 * and early errors: `use` offers the known ids of the slot's kind, and `options` is checked
 * against the chosen plugin's optionsSchema (if/then on `use`). The kernel's own schema stays
 * generic, because a manifest may name plugins installed after this file was generated.
 */
export function buildManifestSchema(plugins: SchemaPlugin[], base: Record<string, unknown> = JSON.parse(fs.readFileSync(BASE_SCHEMA_PATH, 'utf8'))): Record<string, unknown> {
  const schema = clone(base) as { properties: Record<string, Record<string, unknown>>; definitions: Record<string, Record<string, unknown>> };
  const defs = schema.definitions;
  const kinds: PluginKind[] = ['frontend', 'pass', 'backend', 'searcher', 'reporter'];
  const branchesOf = new Map<PluginKind, object[]>();
  const refsOf = new Map<PluginKind, Array<{ name: string; ref: string }>>();
  for (const kind of kinds) {
    const ofKind = plugins.filter((p) => p.kind === kind).sort((a, b) => a.id.localeCompare(b.id));
    const ids: string[] = [];
    const branches: object[] = [];
    for (const p of ofKind) {
      const names = [p.id, ...(p.aliases ?? [])].filter((n) => !ids.includes(n));
      ids.push(...names);
      const optionsRef = `options-${kind}-${p.id}`;
      defs[optionsRef] = rebase(userOptionsSchema(p), `#/definitions/${optionsRef}`);
      for (const name of names) branches.push({ if: { properties: { use: { const: name } }, required: ['use'] }, then: { properties: { options: { $ref: `#/definitions/${optionsRef}` } } } });
      refsOf.set(kind, [...(refsOf.get(kind) ?? []), ...names.map((name) => ({ name, ref: `#/definitions/${optionsRef}` }))]);
    }
    branchesOf.set(kind, branches);
    defs[`use-${kind}`] = {
      description: `A ${kind} plugin: an installed id, or a path / package name`,
      anyOf: [...(ids.length ? [{ enum: ids, description: `installed ${kind} plugins` }] : []), { type: 'string', pattern: EXTERNAL_USE_PATTERN }],
    };
    defs[`plugin-${kind}`] = pluginUse(defs.pluginUse, kind, branches);
    defs[`partial-${kind}`] = pluginUse(defs.partialPluginUse, kind, branches);
  }
  for (const [slot, kind] of Object.entries(SLOT_KIND)) schema.properties[slot] = { ...schema.properties[slot], $ref: `#/definitions/plugin-${kind}` };
  schema.properties.reporters = { ...schema.properties.reporters, items: { $ref: '#/definitions/plugin-reporter' } };
  const passUse = defs.passUse as { oneOf: Array<Record<string, unknown>> };
  defs.passUse = { oneOf: [{ $ref: '#/definitions/use-pass' }, pluginUse(passUse.oneOf[1], 'pass', branchesOf.get('pass')!)] };
  for (const [k, d] of Object.entries(defs)) if (k.startsWith('options-')) linkOptionsOf(d, refsOf);
  const slotBranches = plugins.flatMap((p) => linkSlotOptions(p, defs[`options-${p.kind}-${p.id}`], refsOf));
  if (slotBranches.length) (schema as Record<string, unknown>).allOf = [...(((schema as Record<string, unknown>).allOf as object[] | undefined) ?? []), ...slotBranches];
  const conf = defs.configuration as { properties: Record<string, unknown> };
  conf.properties.frontend = { $ref: '#/definitions/partial-frontend' };
  conf.properties.backend = { $ref: '#/definitions/partial-backend' };
  return schema;
}

/**
 * Keyword of a plugin's options schema on an object that holds another plugin's options:
 * `{ kind, idFrom, default? }` when a sibling property `idFrom` names that plugin (`default` when
 * it is left out), or `{ kind, slot }` when the manifest's `slot` (e.g. "backend") does. Validators
 * ignore it; the manifest schema turns it into if/then branches, one per installed plugin.
 */
export const OPTIONS_OF_KEYWORD = 'fuseflowOptionsOf';

interface OptionsOf {
  kind: PluginKind;
  idFrom?: string;
  default?: string;
  slot?: 'frontend' | 'backend';
}

/** Adds, beside every property marked with OPTIONS_OF_KEYWORD, the branches that check it per plugin id. */
function linkOptionsOf(node: unknown, refsOf: Map<PluginKind, Array<{ name: string; ref: string }>>): void {
  if (Array.isArray(node)) return node.forEach((x) => linkOptionsOf(x, refsOf));
  if (!isPlainObject(node)) return;
  const props = node.properties;
  if (isPlainObject(props)) {
    const branches: object[] = [];
    for (const [key, sub] of Object.entries(props)) {
      const link = isPlainObject(sub) ? (sub[OPTIONS_OF_KEYWORD] as OptionsOf | undefined) : undefined;
      if (!link?.idFrom) continue;
      for (const { name, ref } of refsOf.get(link.kind) ?? []) {
        const named = { properties: { [link.idFrom]: { const: name } }, required: [link.idFrom] };
        const when = name === link.default ? { anyOf: [named, { not: { required: [link.idFrom] } }] } : named;
        branches.push({ if: when, then: { properties: { [key]: { $ref: ref } } } });
      }
    }
    if (branches.length) node.allOf = [...((node.allOf as object[] | undefined) ?? []), ...branches];
  }
  for (const v of Object.values(node)) linkOptionsOf(v, refsOf);
}

/** The manifest slot holding a plugin of each kind (a plugin's own options sit under `options`). */
const KIND_SLOT: Partial<Record<PluginKind, string>> = { frontend: 'frontend', backend: 'backend', searcher: 'search' };

/**
 * Manifest-level branches for the objects a plugin's options mark with `{ kind, slot }`: when the
 * manifest's slot uses plugin b and this plugin is the one in use, those objects are b's options.
 */
function linkSlotOptions(p: SchemaPlugin, def: unknown, refsOf: Map<PluginKind, Array<{ name: string; ref: string }>>): object[] {
  const own = KIND_SLOT[p.kind];
  if (!own) return [];
  const marked: Array<{ path: string[]; link: OptionsOf }> = [];
  const walk = (node: unknown, path: string[]): void => {
    if (!isPlainObject(node)) return;
    const link = node[OPTIONS_OF_KEYWORD] as OptionsOf | undefined;
    if (link?.slot) marked.push({ path, link });
    if (isPlainObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) walk(v, [...path, 'properties', k]);
    if (isPlainObject(node.items)) walk(node.items, [...path, 'items']);
  };
  walk(def, []);
  const uses = (name: string) => ({ properties: { use: { const: name } }, required: ['use'] });
  // the schema path ('properties', key | 'items')* rebuilt as a schema that reaches the leaf
  const at = (path: string[], leaf: object): object => {
    let out = leaf;
    for (let i = path.length - 1; i >= 0; i--) {
      if (i > 0 && path[i - 1] === 'properties') out = { properties: { [path[i--]]: out } };
      else out = { items: out };
    }
    return out;
  };
  const branches: object[] = [];
  for (const { path, link } of marked)
    for (const self of [p.id, ...(p.aliases ?? [])])
      for (const { name, ref } of refsOf.get(link.kind) ?? [])
        branches.push({
          if: { required: [own, link.slot!], properties: { [own]: uses(self), [link.slot!]: uses(name) } },
          then: { properties: { [own]: { properties: { options: at(path, { $ref: ref }) } } } },
        });
  return branches;
}

function pluginUse(template: Record<string, unknown>, kind: PluginKind, branches: object[]): Record<string, unknown> {
  const t = clone(template) as { properties: Record<string, unknown> };
  return { ...t, properties: { ...t.properties, use: { $ref: `#/definitions/use-${kind}` } }, ...(branches.length ? { allOf: branches } : {}) };
}

/**
 * A plugin's optionsSchema as it applies to what a user writes: the kernel merges defaultOptions
 * first, so a key required by the schema but given by the defaults may be left out.
 */
function userOptionsSchema(p: SchemaPlugin): Record<string, unknown> {
  const s = clone(p.optionsSchema ?? { type: 'object' }) as Record<string, unknown>;
  if (Array.isArray(s.required) && isPlainObject(p.defaultOptions)) {
    const left = (s.required as string[]).filter((k) => !(k in p.defaultOptions!));
    if (left.length) s.required = left;
    else delete s.required;
  }
  if (p.description && s.description === undefined) s.description = p.description;
  return s;
}

/**
 * A plugin schema's local references (`#/definitions/x`) re-pointed at where the schema now sits
 * inside the manifest schema; its own `$schema`/`$id` dropped so it does not change the base URI.
 */
function rebase(schema: Record<string, unknown>, at: string): Record<string, unknown> {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (!isPlainObject(x)) return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? at + v.slice(1) : walk(v);
    return out;
  };
  const { $schema: _s, $id: _i, ...rest } = walk(schema) as Record<string, unknown>;
  void _s, _i;
  return rest;
}
