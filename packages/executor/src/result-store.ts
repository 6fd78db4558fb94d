import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel';
import type { JobRecord, JobTiming } from './types';

/**
 * Results of a sweep on disk.
 * - `journal.jsonl`: append-only, one line per finished job in completion order, with timing.
 *   A crash can leave a partial last line; loading ignores it, so the job simply runs again.
 * - `results.jsonl` / `results.csv`: canonical files ordered by job index with deterministic
 *   fields only, rewritten by `finalize()`: an interrupted-then-resumed sweep produces the same
 *   bytes as an uninterrupted one.
 */
export class ResultStore<R = unknown> {
  readonly dir: string;
  readonly journalPath: string;
  private readonly records = new Map<string, JobRecord<R>>();

  constructor(dir: string) {
    this.dir = dir;
    this.journalPath = path.join(dir, 'journal.jsonl');
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Read the journal of an earlier run (for --resume). Returns how many finished jobs it holds. */
  load(): number {
    this.records.clear();
    if (!fs.existsSync(this.journalPath)) return 0;
    const text = fs.readFileSync(this.journalPath, 'utf8');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      let entry: { record: JobRecord<R> } | undefined;
      try {
        entry = JSON.parse(line);
      } catch {
        // Only the last line can be torn by a kill mid-write; anything else is corruption.
        if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) {
          throw new Error(`${this.journalPath}:${i + 1}: corrupt journal line (not JSON)`);
        }
        continue;
      }
      if (entry?.record?.key !== undefined && !this.records.has(entry.record.key)) this.records.set(entry.record.key, entry.record);
    }
    // Rewrite without a torn tail so later appends start on a fresh line.
    this.rewriteJournal();
    return this.records.size;
  }

  /**
   * Start from nothing (a sweep without --resume). Results of an earlier run are never deleted:
   * a non-empty journal refuses with FF_RESULTS_EXIST (naming --resume and --fresh).
   */
  reset(): void {
    this.records.clear();
    const earlier = fs.existsSync(this.journalPath) ? fs.readFileSync(this.journalPath, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
    if (earlier > 0) {
      throw new FuseFlowError('FF_RESULTS_EXIST', `${this.dir} already holds the results of an earlier sweep (${earlier} finished job${earlier === 1 ? '' : 's'} in ${path.basename(this.journalPath)})`, {
        suggestion: 'rerun with --resume to continue that sweep, or with --fresh to move its results aside (renamed with a timestamp, e.g. journal.<time>.jsonl) and start over',
      });
    }
    fs.rmSync(this.journalPath, { force: true });
  }

  /**
   * --fresh: rename the journal and results files of an earlier run to `<name>.<UTC time><ext>`
   * in the same folder (never deleted) and start from nothing. Returns the new paths.
   */
  moveAside(now = new Date()): string[] {
    this.records.clear();
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const moved: string[] = [];
    for (const name of ['journal.jsonl', 'results.jsonl', 'results.csv']) {
      const from = path.join(this.dir, name);
      if (!fs.existsSync(from)) continue;
      const ext = path.extname(name);
      let to = path.join(this.dir, `${path.basename(name, ext)}.${stamp}${ext}`);
      for (let k = 2; fs.existsSync(to); k++) to = path.join(this.dir, `${path.basename(name, ext)}.${stamp}-${k}${ext}`);
      fs.renameSync(from, to);
      moved.push(to);
    }
    return moved;
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  get(key: string): JobRecord<R> | undefined {
    return this.records.get(key);
  }

  get size(): number {
    return this.records.size;
  }

  all(): JobRecord<R>[] {
    return [...this.records.values()].sort((a, b) => a.index - b.index);
  }

  /** Record a finished job. A second completion of the same key is ignored (returns false). */
  append(record: JobRecord<R>, timing?: JobTiming): boolean {
    if (this.records.has(record.key)) return false;
    this.records.set(record.key, record);
    fs.appendFileSync(this.journalPath, JSON.stringify({ record, timing }) + '\n');
    return true;
  }

  /** Write the canonical results.jsonl and results.csv (columns: index, key, ok, error, then flattened result fields). */
  finalize(csvColumns?: string[], keys?: Set<string>): { jsonl: string; csv: string } {
    const rows = keys ? this.all().filter((r) => keys.has(r.key)) : this.all();
    const jsonl = path.join(this.dir, 'results.jsonl');
    fs.writeFileSync(jsonl, rows.map((r) => canonicalJson(r)).join('\n') + (rows.length ? '\n' : ''));
    const flat = rows.map((r) => ({ index: r.index, key: r.key, ok: r.ok, error: r.error?.message ?? '', ...flattenObject(r.result) }));
    const columns = csvColumns ?? unionKeys(flat);
    const csv = path.join(this.dir, 'results.csv');
    const lines = [columns.join(','), ...flat.map((row) => columns.map((c) => csvCell((row as Record<string, unknown>)[c])).join(','))];
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    return { jsonl, csv };
  }

  private rewriteJournal(): void {
    const lines = [...this.records.values()].map((record) => JSON.stringify({ record }));
    fs.writeFileSync(this.journalPath, lines.join('\n') + (lines.length ? '\n' : ''));
  }
}

/** JSON with object keys sorted at every depth, so equal records always serialize to equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

/** Flatten nested plain objects into dotted keys (arrays are kept as JSON). */
export function flattenObject(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    if (prefix) out[prefix] = value;
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenObject(v, key, out);
    else out[key] = v;
  }
  return out;
}

function unionKeys(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
