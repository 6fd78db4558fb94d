import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describeAjvError, pickErrors, suggestionFor } from '@fuseflow/kernel';
import { memoryIo } from './io';
import { runCli } from './main';

const ROOT = path.join(__dirname, '..', '..', '..');
const PUBLISHED = path.join(__dirname, '..', 'manifest.schema.json');

describe('fuseflow schema', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-schema-'));
  const file = path.join(dir, 'manifest.schema.json');
  let schema: Record<string, unknown>;

  beforeAll(async () => {
    const io = memoryIo(dir);
    expect(await runCli(['schema', '--out', 'manifest.schema.json'], io)).toBe(0);
    expect(io.out).toEqual([`wrote ${file}`]);
    schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the published packages/cli/manifest.schema.json (regenerate with `fuseflow schema --out packages/cli/manifest.schema.json`)', () => {
    expect(JSON.parse(fs.readFileSync(PUBLISHED, 'utf8'))).toEqual(schema);
  });

  it('lists the bundled plugin ids per slot and accepts every example manifest', () => {
    const defs = schema.definitions as Record<string, { anyOf: Array<{ enum?: string[] }> }>;
    expect(defs['use-pass'].anyOf[0].enum).toEqual(expect.arrayContaining(['fusion', 'lower-sam', 'parallelize', 'dataflow-order', 'sparsity-blocking']));
    expect(defs['use-backend'].anyOf[0].enum).toEqual(expect.arrayContaining(['rda-sim', 'systolic', 'estimate']));
    const v = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    const examples = fs.readdirSync(path.join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    let checked = 0;
    for (const f of examples) {
      const m = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8'));
      if (!m.frontend && !m.search) continue;
      checked++;
      expect([f, v(m) ? [] : pickErrors(v.errors ?? []).map((e) => describeAjvError(e, ''))]).toEqual([f, []]);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('"fusoin" and "engin" fail it with a did-you-mean naming the JSON path', () => {
    const v = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    const base = { frontend: { use: 'expr', options: { expr: 'y(i) = A(i,j) * x(j)' } }, passes: ['fusion', 'lower-sam'], backend: { use: 'rda-sim', options: { engine: 'fast' } } };
    expect(v(base)).toBe(true);
    const errors = (m: unknown) => (v(m) ? [] : pickErrors(v.errors ?? []));
    const fusoin = errors({ ...base, passes: ['fusoin', 'lower-sam'] });
    expect(fusoin.map((e) => describeAjvError(e, '')).join('\n')).toMatch(/^\/passes\/0: expected one of .*"fusion".*, got "fusoin" \(string\) \(did you mean "fusion"\?\)/);
    expect(suggestionFor(fusoin[0])).toBe('did you mean "fusion"?');
    const engin = errors({ ...base, backend: { use: 'rda-sim', options: { engin: 'fast' } } });
    expect(describeAjvError(engin[0], '')).toMatch(/^\/backend\/options\/engin: unknown key \(did you mean "engine"\?\)/);
    const enginId = errors({ ...base, backend: { use: 'estimat' } });
    expect(describeAjvError(enginId[0], '')).toMatch(/^\/backend\/use: .*did you mean "estimate"/);
    // a searcher's nested backend options are checked against the backend they are for (systolic by default)
    const nested = errors({ search: { use: 'boshcode', options: { hardwareBackendOptions: { modl: 'accelbench' } } } });
    expect(describeAjvError(nested[0], '')).toMatch(/^\/search\/options\/hardwareBackendOptions\/modl: unknown key \(did you mean "model"\?\)/);
    expect(errors({ search: { use: 'boshcode', options: { space: { clases: 5 } } } }).map((e) => describeAjvError(e, ''))[0]).toMatch(/\/search\/options\/space\/clases: unknown key \(did you mean "classes"\?\)/);
    // dse's per-candidate backend overrides are checked against the manifest's backend
    const dse = (backend: Record<string, unknown>) => errors({ ...base, search: { use: 'dse', options: { space: { fusion: ['unfused'], backend: [backend] } } } }).map((e) => describeAjvError(e, ''));
    expect(dse({ engine: 'reference' })).toEqual([]);
    expect(dse({ engin: 'reference' })[0]).toMatch(/^\/search\/options\/space\/backend\/0\/engin: unknown key \(did you mean "engine"\?\)/);
  });

  it('prints to stdout without --out, and an unwritable --out is FF_OUTPUT_UNWRITABLE naming the file', async () => {
    const io = memoryIo(dir);
    expect(await runCli(['schema'], io)).toBe(0);
    expect(JSON.parse(io.out.join('\n'))).toEqual(schema);
    const bad = memoryIo(dir);
    expect(await runCli(['schema', '--out', path.join(file, 'x.json')], bad)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/FF_OUTPUT_UNWRITABLE.*schema --out: cannot write .*manifest\.schema\.json[\\/]x\.json/);
  });
});
