import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateManifest } from '@fuseflow/kernel';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', '..', 'examples');

function jsonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'out' ? [] : jsonFiles(p);
    return e.name.endsWith('.json') ? [p] : [];
  });
}

// Every bundled manifest (a JSON file with a frontend, backend or search block) matches the kernel's
// manifest schema, so `fuseflow validate` and editors agree with what we ship.
describe('bundled example manifests', () => {
  const manifests = jsonFiles(EXAMPLES).filter((f) => {
    const v = JSON.parse(fs.readFileSync(f, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) && ('frontend' in v || 'backend' in v || 'search' in v);
  });

  it('exist', () => {
    expect(manifests.length).toBeGreaterThan(0);
  });

  it.each(manifests.map((f) => [path.relative(EXAMPLES, f), f]))('%s matches manifest.schema.json', (_rel, file) => {
    expect(() => validateManifest(JSON.parse(fs.readFileSync(file, 'utf8')), file)).not.toThrow();
  });
});
