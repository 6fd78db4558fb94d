import * as fs from 'node:fs';
import Ajv from 'ajv';
import { MANIFEST_SCHEMA_PATH, normalisePasses, validateManifest, type Manifest, type PluginUse } from './manifest';

const schema = JSON.parse(fs.readFileSync(MANIFEST_SCHEMA_PATH, 'utf8'));

describe('manifest.schema.json', () => {
  it('is a valid draft-07 schema', () => {
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it('has exactly the keys of the Manifest type (no drift between schema and TypeScript)', () => {
    // Required<Manifest> makes the compiler insist on every key, and excess-property checks reject extra ones.
    const every: Required<Manifest> = {
      $schema: '', version: 1, name: 'n', description: '', source: null, baseDir: '.', kernel: { name: 'k', version: '1' }, seed: 1, outDir: 'o', frontend: { use: 'f' }, passes: [], backend: { use: 'b' },
      search: { use: 's' }, reporters: [], configurations: [{ name: 'c' }], instrument: { printIrAfter: [], timing: true, verify: true }, plugins: [],
    };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(every).sort());
    expect(Object.keys(schema.properties.instrument.properties).sort()).toEqual(Object.keys(every.instrument).sort());
    const use: Required<PluginUse> = { use: 'f', options: {}, plugin: 'p', version: '1' };
    expect(Object.keys(schema.definitions.pluginUse.properties).sort()).toEqual(Object.keys(use).sort());
    expect(() => validateManifest(every)).not.toThrow();
  });

  it('accepts passes as entries, bare ids or a pipeline string', () => {
    const m = { frontend: { use: 'f' }, backend: { use: 'b' }, passes: ['fusion', { use: 'parallelize', options: { factor: 2 }, enabled: false }] };
    validateManifest(m);
    expect(normalisePasses(m.passes as Manifest['passes'])).toEqual([{ use: 'fusion' }, { use: 'parallelize', options: { factor: 2 }, enabled: false }]);
    expect(normalisePasses('fusion{granularity=full},lower-sam')).toEqual([{ use: 'fusion', options: { granularity: 'full' } }, { use: 'lower-sam' }]);
  });

  it('reports several problems at once, each with its path', () => {
    expect(() => validateManifest({ version: 2, configurations: [{ passes: 'x' }], instrument: { timing: 'yes' } }, 'm.json')).toThrow(
      /\/version: expected 1, got 2 \(number\)[^]*\/configurations\/0\/name: required key is missing[^]*\/instrument\/timing: expected boolean, got "yes" \(string\)/,
    );
  });
});
