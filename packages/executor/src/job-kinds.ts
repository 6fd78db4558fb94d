import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { FuseFlowError, PluginLoader } from '@fuseflow/kernel';
import { canonicalJson } from './result-store';

/**
 * A job kind: what a queued job may ask a worker to do. Kinds are registered by installed plugins
 * (package.json `fuseflow.jobs`) or in-process; a queued job names a kind by id and carries only
 * data, so a worker never loads a module named by the queue.
 */
export interface JobKind {
  kind: string;
  /** absolute path of the CommonJS module holding the handler (trusted: installed code). */
  module: string;
  exportName?: string;
  /** JSON Schema of the payload; jobs whose payload does not match are refused. */
  schema?: Record<string, unknown>;
  /** where the kind came from (package name or 'registered'), for messages. */
  source?: string;
}

/** `fuseflow.jobs` entry of a plugin's package.json; `module` is relative to the package folder. */
interface JobKindMetadata {
  kind: string;
  module: string;
  export?: string;
  schema?: Record<string, unknown>;
}

const registered = new Map<string, JobKind>();
let discovered: Map<string, JobKind> | undefined;
let versions: Record<string, string> | undefined;

/** Register a job kind in this process (tests, embedding); wins over discovered kinds of the same id. */
export function registerJobKind(kind: JobKind): void {
  registered.set(kind.kind, { ...kind, source: kind.source ?? 'registered' });
  validators.delete(kind.kind);
}

function discover(): Map<string, JobKind> {
  if (discovered) return discovered;
  const out = new Map<string, JobKind>();
  const vers: Record<string, string> = {};
  const loader = new PluginLoader({ baseDir: process.cwd() });
  // Non-plugin packages (ir, datasets with their vendored data) decide results too.
  for (const nm of loader.nodeModulesDirs()) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(nm, '@fuseflow'));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const v = (JSON.parse(fs.readFileSync(path.join(nm, '@fuseflow', n, 'package.json'), 'utf8')) as { version?: unknown }).version;
        if (typeof v === 'string') vers[`@fuseflow/${n}`] ??= v;
      } catch {
        // not a package folder
      }
    }
  }
  for (const c of loader.discover()) {
    let pkg: { version?: string; fuseflow?: { jobs?: JobKindMetadata[] } };
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(c.location, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (typeof pkg.version === 'string') vers[c.packageName] = pkg.version;
    const jobs = pkg.fuseflow?.jobs;
    if (!Array.isArray(jobs)) continue;
    for (const j of jobs) {
      if (!j || typeof j.kind !== 'string' || typeof j.module !== 'string') continue;
      out.set(j.kind, { kind: j.kind, module: path.resolve(c.location, j.module), exportName: j.export, schema: j.schema, source: c.packageName });
    }
  }
  versions = vers;
  discovered = out;
  return out;
}

/** The job kind with this id, or undefined when no installed plugin registers it. */
export function findJobKind(kind: string): JobKind | undefined {
  return registered.get(kind) ?? discover().get(kind);
}

/** Ids of every known job kind (for messages). */
export function jobKindIds(): string[] {
  return [...new Set([...registered.keys(), ...discover().keys()])].sort();
}

/** Versions of the installed FuseFlow packages: part of every job id (other code, other job). */
export function pluginVersions(): Record<string, string> {
  discover();
  return versions ?? {};
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction | null>();

/** Why a payload does not fit its kind's schema, or undefined when it does (or the kind has none). */
export function payloadProblem(kind: JobKind, payload: unknown): string | undefined {
  let v = validators.get(kind.kind);
  if (v === undefined) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    v = kind.schema ? ajv.compile(kind.schema) : null;
    validators.set(kind.kind, v);
  }
  if (!v || v(payload)) return undefined;
  return (v.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}

/**
 * A job as the queue carries it, checked: the kind must be registered and the payload must match
 * its schema. Anything else is refused with FF_JOB_REFUSED naming the kind.
 */
export function admitJob(data: unknown): { kind: JobKind; payload: unknown } {
  const d = (data ?? {}) as { kind?: unknown; payload?: unknown; handler?: { module?: unknown } };
  if (typeof d.kind !== 'string') {
    const named = d.handler && typeof d.handler === 'object' ? ` (it names a module "${String(d.handler.module)}")` : '';
    throw new FuseFlowError('FF_JOB_REFUSED', `job refused: it names no job kind${named}; queued jobs carry data for a registered kind, never code (known kinds: ${jobKindIds().join(', ') || 'none'})`);
  }
  const kind = findJobKind(d.kind);
  if (!kind) throw new FuseFlowError('FF_JOB_REFUSED', `job refused: kind "${d.kind}" is not registered by any installed plugin (known kinds: ${jobKindIds().join(', ') || 'none'})`);
  const problem = payloadProblem(kind, d.payload);
  if (problem) throw new FuseFlowError('FF_JOB_REFUSED', `job refused: payload of kind "${d.kind}" does not match its schema: ${problem}`);
  return { kind, payload: d.payload };
}

/**
 * Content address of a job: sha256 of everything that decides its result (kind, payload, plugin
 * versions and the digests of the input files it reads, seed included in the payload). Two jobs
 * share an id only when they compute the same thing, so a stored result is never reused for a
 * different job, and any sweep key (colons, slashes) is fine because the id is hex.
 */
export function jobId(kind: string, payload: unknown, inputs?: unknown): string {
  return createHash('sha256').update(canonicalJson({ v: 1, kind, payload, versions: pluginVersions(), inputs: inputs ?? null })).digest('hex');
}

const fileDigests = new Map<string, { stamp: string; digest: string }>();

/** sha256 of a file's bytes, cached by path, size and mtime (sweeps share inputs across many jobs). */
export function fileDigest(file: string): string {
  const st = fs.statSync(file);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = fileDigests.get(file);
  if (hit?.stamp === stamp) return hit.digest;
  const digest = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  fileDigests.set(file, { stamp, digest });
  return digest;
}
