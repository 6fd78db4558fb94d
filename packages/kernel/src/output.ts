import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, isFuseFlowError } from './errors';
import type { Manifest } from './manifest';
import type { IrModule } from './plugin';
import type { RunManifestOptions } from './plan';
import type { RunError } from './results';

/* Saving: where a run writes, how its files are written, and errors as they are recorded. */

/** Record form of any thrown value. */
export function toRunError(e: unknown): RunError {
  if (isFuseFlowError(e)) {
    const out: RunError = { code: e.code, message: e.message };
    for (const k of ['path', 'suggestion', 'plugin', 'hook', 'pluginCode'] as const) if (e[k] !== undefined) out[k] = e[k];
    return out;
  }
  const x = e as NodeJS.ErrnoException;
  // Writing into a folder that cannot take it is the user's setup, not a bug: no stack trace.
  if (x instanceof Error && typeof x.code === 'string' && UNWRITABLE_ERRNOS.has(x.code) && WRITE_SYSCALLS.has(x.syscall ?? '')) {
    return { code: 'FF_OUTPUT_UNWRITABLE', message: `cannot write ${x.path ?? 'the output'}: ${x.code} (${x.syscall})`, suggestion: 'choose another folder with --out, or make this one a writable directory' };
  }
  return { code: 'FF_INTERNAL', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

export function defaultOutDir(r: { name: string; baseDir: string }, m: Manifest, opts: RunManifestOptions): string {
  if (opts.outDir) return path.resolve(opts.outDir);
  if (m.outDir) return path.resolve(r.baseDir, m.outDir);
  return path.join(r.baseDir, 'out', safeName(r.name));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, jsonReplacer, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Typed arrays are written as plain arrays; the rest is standard JSON. */
function jsonReplacer(_k: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

/**
 * Text form of a module whose stage no plugin defines (JSON, typed arrays as lists); defined stages
 * print with their StageDefinition.print.
 */
export function printIr(m: IrModule): string {
  return JSON.stringify(m, jsonReplacer, 2);
}

/** Longest file-name component written for a user-chosen name (file systems allow 255 bytes). */
const MAX_NAME_CHARS = 100;

/**
 * A user-chosen name (manifest or configuration) as one path component that stays inside its
 * folder: only [A-Za-z0-9_.-], no leading dot (so never '.', '..' or hidden), at most 100
 * characters (a long name keeps a hash of the whole so that two long names stay apart).
 */
export function safeName(s: string): string {
  let out = s.replace(/[^\w.-]+/g, '_').replace(/^\.+/, (d) => '_'.repeat(d.length));
  if (out.length > MAX_NAME_CHARS) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    out = `${out.slice(0, MAX_NAME_CHARS - 9)}-${h.toString(16).padStart(8, '0')}`;
  }
  return out || '_';
}

const UNWRITABLE_ERRNOS = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOSPC', 'EISDIR']);
/** syscalls that only ever write (an `open` may be a read, so it stays FF_INTERNAL). */
const WRITE_SYSCALLS = new Set(['mkdir', 'rename', 'write', 'mkdtemp', 'copyfile', 'symlink', 'unlink']);

/** An fs error from creating or writing the output folder, as FF_OUTPUT_UNWRITABLE naming the path. */
export function outputUnwritable(e: unknown, outDir: string): unknown {
  const x = e as NodeJS.ErrnoException;
  if (!x || typeof x.code !== 'string' || !UNWRITABLE_ERRNOS.has(x.code)) return e;
  return new FuseFlowError('FF_OUTPUT_UNWRITABLE', `cannot write the output folder ${outDir}: ${x.code}${x.path && x.path !== outDir ? ` (${x.path})` : ''}`, {
    suggestion: 'choose another folder with --out, or make this one a writable directory',
  });
}

/**
 * Folder a manifest's relative paths (options, `plugins`, `use`) resolve against: its recorded
 * `baseDir` (a run's manifest.resolved.json), taken relative to the manifest's own folder, else that folder.
 */
export function manifestBaseDir(m: { baseDir?: unknown }, manifestDir: string): string {
  return typeof m.baseDir === 'string' ? path.resolve(manifestDir, m.baseDir) : manifestDir;
}
