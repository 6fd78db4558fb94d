import Ajv, { type ValidateFunction } from 'ajv';
import { buildManifestSchema, type SchemaPlugin } from './manifest-schema';
import { describeAjvError, pickErrors, suggestionFor } from './manifest';

const plugins: SchemaPlugin[] = [
  { kind: 'frontend', id: 'expr', optionsSchema: { type: 'object', additionalProperties: false, required: ['expr'], properties: { expr: { type: 'string' } } } },
  {
    kind: 'pass',
    id: 'fusion',
    optionsSchema: { type: 'object', additionalProperties: false, required: ['granularity'], properties: { granularity: { enum: ['unfused', 'partial', 'full'] } } },
    defaultOptions: { granularity: 'full' },
  },
  { kind: 'pass', id: 'parallelize', optionsSchema: { type: 'object', additionalProperties: false, properties: { factor: { type: 'integer', minimum: 1 } } } },
  { kind: 'backend', id: 'rda-sim', aliases: ['rda'], optionsSchema: { type: 'object', additionalProperties: false, properties: { engine: { enum: ['tokens', 'fast'] } } } },
  {
    kind: 'searcher',
    id: 'dse',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { space: { type: 'object', properties: { backend: { type: 'array', items: { type: 'object', fuseflowOptionsOf: { kind: 'backend', slot: 'backend' } } } } } },
    },
  },
  {
    kind: 'searcher',
    id: 'codesign',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { hw: { type: 'string' }, hwOptions: { type: 'object', fuseflowOptionsOf: { kind: 'backend', idFrom: 'hw', default: 'rda-sim' } } },
    },
  },
];

function check(v: ValidateFunction, m: unknown): string[] {
  if (v(m)) return [];
  return pickErrors(v.errors ?? []).map((e) => describeAjvError(e, ''));
}

describe('buildManifestSchema', () => {
  const schema = buildManifestSchema(plugins);
  const v = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  const ok = { frontend: { use: 'expr', options: { expr: 'y(i) = A(i,j) * x(j)' } }, passes: ['fusion', { use: 'parallelize', options: { factor: 2 } }], backend: { use: 'rda', options: { engine: 'fast' } } };

  it('is a valid draft-07 schema that accepts a correct manifest', () => {
    expect(new Ajv({ strict: false }).validateSchema(schema)).toBe(true);
    expect(check(v, ok)).toEqual([]);
  });

  it('offers the installed ids of each kind as `use` values', () => {
    const defs = schema.definitions as Record<string, { anyOf: Array<{ enum?: string[] }> }>;
    expect(defs['use-pass'].anyOf[0].enum).toEqual(['fusion', 'parallelize']);
    expect(defs['use-backend'].anyOf[0].enum).toEqual(['rda-sim', 'rda']);
  });

  it('rejects a misspelt id with a did-you-mean, in every slot', () => {
    expect(check(v, { ...ok, passes: ['fusoin'] }).join('\n')).toMatch(/\/passes\/0: expected one of "fusion", "parallelize", got "fusoin" \(string\) \(did you mean "fusion"\?\)/);
    expect(check(v, { ...ok, passes: [{ use: 'fusoin' }] }).join('\n')).toMatch(/\/passes\/0\/use: .*did you mean "fusion"/);
    expect(check(v, { ...ok, backend: { use: 'rda-sin' } }).join('\n')).toMatch(/\/backend\/use: .*did you mean "rda-sim"/);
    expect(check(v, { ...ok, configurations: [{ name: 'c', backend: { use: 'rda-sin' } }] }).join('\n')).toMatch(/\/configurations\/0\/backend\/use: .*did you mean "rda-sim"/);
    v({ ...ok, passes: ['fusoin'] });
    expect(suggestionFor(pickErrors(v.errors ?? [])[0])).toBe('did you mean "fusion"?');
  });

  it('accepts paths, scoped packages and module: ids it cannot know', () => {
    for (const use of ['..', './my-pass', '../x/y.js', '@acme/fuseflow-pass-x', 'module:thing', 'fuseflow-pass-x']) expect(check(v, { ...ok, passes: [use] })).toEqual([]);
  });

  it("checks options against the chosen plugin's schema (aliases too); keys the defaults supply may be left out", () => {
    expect(check(v, { ...ok, passes: [{ use: 'parallelize', options: { factr: 2 } }] }).join('\n')).toMatch(/\/passes\/0\/options\/factr: unknown key \(did you mean "factor"\?\)/);
    expect(check(v, { ...ok, backend: { use: 'rda', options: { engine: 'slow' } } }).join('\n')).toMatch(/\/backend\/options\/engine: expected one of "tokens", "fast"/);
    // fusion requires granularity but its defaults give it; expr requires expr and has no default
    expect(check(v, { ...ok, passes: [{ use: 'fusion', options: {} }] })).toEqual([]);
    expect(check(v, { ...ok, frontend: { use: 'expr', options: {} } }).join('\n')).toMatch(/\/frontend\/options\/expr: required key is missing/);
  });

  it("checks a searcher's nested backend options against the backend its sibling key names (or the default one)", () => {
    const search = (options: unknown) => check(v, { ...ok, search: { use: 'codesign', options } });
    expect(search({ hw: 'rda', hwOptions: { engine: 'fast' } })).toEqual([]);
    expect(search({ hw: 'rda', hwOptions: { engin: 'fast' } }).join('\n')).toMatch(/\/search\/options\/hwOptions\/engin: unknown key \(did you mean "engine"\?\)/);
    expect(search({ hwOptions: { engine: 'slow' } }).join('\n')).toMatch(/\/search\/options\/hwOptions\/engine: expected one of "tokens", "fast"/);
    // another backend id: that backend's schema applies (none here), so anything goes
    expect(search({ hw: './my-hw', hwOptions: { anything: 1 } })).toEqual([]);
  });

  it("checks a searcher's overrides of the manifest's backend against that backend's schema", () => {
    const dse = (backend: unknown, space: unknown) => check(v, { ...ok, backend, search: { use: 'dse', options: { space } } });
    expect(dse({ use: 'rda-sim' }, { backend: [{ engine: 'fast' }, { engine: 'tokens' }] })).toEqual([]);
    expect(dse({ use: 'rda-sim' }, { backend: [{ engine: 'fast' }, { engin: 'tokens' }] }).join('\n')).toMatch(/\/search\/options\/space\/backend\/1\/engin: unknown key \(did you mean "engine"\?\)/);
    expect(dse({ use: 'rda' }, { backend: [{ engine: 'slow' }] }).join('\n')).toMatch(/\/search\/options\/space\/backend\/0\/engine: expected one of/);
    // a backend the schema does not know: its overrides are not checked
    expect(dse({ use: './my-hw' }, { backend: [{ anything: 1 }] })).toEqual([]);
  });
});
