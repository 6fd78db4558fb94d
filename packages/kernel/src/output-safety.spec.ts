import * as fs from 'node:fs';
import * as path from 'node:path';
import { runManifest, safeName, toRunError } from './runner';
import { gcnManifest, tempDir, writeManifest } from './__fixtures__/toy';

/** Every file under dir, as absolute paths. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}

const inside = (dir: string, f: string) => !path.relative(dir, f).startsWith('..') && !path.isAbsolute(path.relative(dir, f));

describe('output safety', () => {
  it('safeName keeps every name one harmless path component', () => {
    expect(safeName('fused')).toBe('fused');
    expect(safeName('..')).toBe('__');
    expect(safeName('.')).toBe('_');
    expect(safeName('../../../x')).toBe('___.._.._x');
    expect(safeName('/etc/passwd')).toBe('_etc_passwd');
    expect(safeName('a\0b')).toBe('a_b');
    expect(safeName('')).toBe('_');
    const long = safeName('y'.repeat(5000));
    expect(long.length).toBe(100);
    // two long names differing only at the end stay apart
    expect(safeName('y'.repeat(4999) + 'z')).not.toBe(long);
    for (const s of ['..', '../../../x', '/abs', 'a/../../b', '.hidden', 'x'.repeat(300)]) {
      const n = safeName(s);
      expect(n).toMatch(/^[\w-][\w.-]*$/);
      expect(path.join('/out', n)).toBe(`/out/${n}`);
    }
  });

  it('a hostile manifest name and configuration names write nothing outside the output folder', async () => {
    const root = tempDir();
    const deep = path.join(root, 'a', 'b', 'c');
    fs.mkdirSync(deep, { recursive: true });
    const hostile = ['..', '../../../evil', '/tmp/ff-abs-evil', 'nul\0byte', 'z'.repeat(4000), '.'];
    const file = writeManifest(
      deep,
      gcnManifest({
        name: '../../../x',
        configurations: hostile.map((name) => ({ name })),
        instrument: { printIrAfter: ['toy-fuse'] },
      }),
    );
    const res = await runManifest(file);
    expect(res.error).toBeUndefined();
    expect(res.runs).toHaveLength(hostile.length);
    expect(res.outDir).toBe(path.join(deep, 'out', '___.._.._x'));
    const files = walk(root).filter((f) => f !== file);
    expect(files.length).toBeGreaterThan(hostile.length);
    for (const f of files) expect(inside(res.outDir, f)).toBe(true);
    // every configuration got its own folder (the IR printed after toy-fuse)
    const irDirs = files.filter((f) => f.endsWith('00-toy-fuse.txt')).map((f) => path.relative(res.outDir, f).split(path.sep)[0]);
    expect(new Set(irDirs).size).toBe(hostile.length);
    expect(fs.existsSync('/tmp/ff-abs-evil')).toBe(false);
  });

  it('an output folder that is a file gives FF_OUTPUT_UNWRITABLE naming it, without a stack trace', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, gcnManifest());
    const asFile = path.join(dir, 'taken');
    fs.writeFileSync(asFile, 'x');
    for (const outDir of [asFile, path.join(asFile, 'sub')]) {
      const res = await runManifest(file, { outDir });
      expect(res.ok).toBe(false);
      expect(res.runs).toEqual([]);
      expect(res.error?.code).toBe('FF_OUTPUT_UNWRITABLE');
      expect(res.error?.message).toContain(outDir);
      expect(res.error?.message).not.toMatch(/\n\s+at /);
    }
    expect(fs.readFileSync(asFile, 'utf8')).toBe('x');
  });

  it('a read-only output folder (EACCES / EROFS from the fs layer; root ignores chmod) gives FF_OUTPUT_UNWRITABLE naming it', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, gcnManifest());
    const outDir = path.join(dir, 'ro');
    for (const code of ['EACCES', 'EROFS']) {
      // the module object itself: the runner's namespace import reads through to it
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const spy = jest.spyOn(require('node:fs') as typeof fs, 'mkdirSync').mockImplementation((p) => {
        throw Object.assign(new Error(`${code}: permission denied, mkdir '${String(p)}'`), { code, syscall: 'mkdir', path: String(p) });
      });
      try {
        const res = await runManifest(file, { outDir });
        expect(res.error).toEqual({ code: 'FF_OUTPUT_UNWRITABLE', message: `cannot write the output folder ${outDir}: ${code}`, suggestion: 'choose another folder with --out, or make this one a writable directory' });
      } finally {
        spy.mockRestore();
      }
    }
    expect(fs.existsSync(outDir)).toBe(false);
  });

  it('a write refused by the file system (read-only, EACCES) inside a run is FF_OUTPUT_UNWRITABLE, not FF_INTERNAL', () => {
    // As root a chmod-ed folder stays writable, so the errno is made the way fs makes it.
    for (const code of ['EACCES', 'EROFS', 'ENOTDIR']) {
      const e = Object.assign(new Error(`${code}: permission denied, mkdir '/ro/out'`), { code, syscall: 'mkdir', path: '/ro/out' });
      const r = toRunError(e);
      expect(r.code).toBe('FF_OUTPUT_UNWRITABLE');
      expect(r.message).toContain('/ro/out');
      expect(r.message).not.toMatch(/\n\s+at /);
    }
    // a failed read is not an output problem
    expect(toRunError(Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: '/x' })).code).toBe('FF_INTERNAL');
  });
});
