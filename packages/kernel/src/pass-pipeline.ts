import { FuseFlowError } from './errors';

/** One pass entry, the same shape as a manifest `passes[]` item. */
export interface PassEntry {
  use: string;
  options?: Record<string, unknown>;
  enabled?: boolean;
}

/**
 * Parse a one-line pass pipeline (MLIR-style) into manifest pass entries.
 * Grammar: `pipeline := element (',' element)*`, `element := name ('{' pair* '}')?`,
 * `pair := key ('=' value)?` (a bare key means true), pairs separated by spaces.
 * Values: numbers, true/false/null, "quoted strings", [lists] or a,b,c lists, bare words;
 * a dotted key (`hbm.channels=8`) builds a nested object.
 */
export function parsePassPipeline(text: string): PassEntry[] {
  return new PipelineParser(text).parse();
}

/** Print pass entries back to the one-line form (round-trips through parsePassPipeline). */
export function formatPassPipeline(entries: PassEntry[]): string {
  return entries
    .filter((e) => e.enabled !== false)
    .map((e) => {
      const opts = Object.entries(flatten(e.options ?? {}));
      return opts.length === 0 ? e.use : `${e.use}{${opts.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ')}}`;
    })
    .join(',');
}

function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[prefix + k] = v;
  }
  return out;
}

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(',')}]`;
  if (typeof v === 'string') return /^[A-Za-z_][\w.\-/:@]*$/.test(v) && !/^(true|false|null)$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

const NAME = /[A-Za-z0-9_\-./@:]/;
const BARE_STOP = new Set([' ', '\t', '\n', '}', '{', ',', ']', '[', '=', '"', "'"]);

class PipelineParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): PassEntry[] {
    const out: PassEntry[] = [];
    this.ws();
    if (this.pos >= this.src.length) return out;
    for (;;) {
      out.push(this.element());
      this.ws();
      if (this.pos >= this.src.length) return out;
      this.expect(',', "',' between passes or end of input");
      this.ws();
    }
  }

  private element(): PassEntry {
    const start = this.pos;
    while (this.pos < this.src.length && NAME.test(this.src[this.pos])) this.pos++;
    if (this.pos === start) this.fail('a pass name');
    const use = this.src.slice(start, this.pos);
    this.ws();
    if (this.peek() !== '{') return { use };
    this.pos++;
    const options: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.peek() === '}') {
        this.pos++;
        return { use, options };
      }
      if (this.pos >= this.src.length) this.fail("'}' closing the options of '" + use + "'");
      const keyStart = this.pos;
      const key = this.bareWord();
      if (!key) this.fail('an option name');
      let value: unknown = true;
      this.ws();
      if (this.peek() === '=') {
        this.pos++;
        this.ws();
        value = this.valueOrList();
      }
      setPath(options, key, value, () => this.fail(`a unique option name (duplicate '${key}')`, keyStart));
    }
  }

  /** Inside braces a comma continues a list (MLIR list options: `{sizes=1,2,3}`). */
  private valueOrList(): unknown {
    const first = this.value();
    if (this.peek() !== ',') return first;
    const list = [first];
    while (this.peek() === ',') {
      this.pos++;
      list.push(this.value());
    }
    return list;
  }

  private value(): unknown {
    const c = this.peek();
    if (c === '"' || c === "'") return this.quoted(c);
    if (c === '[') {
      this.pos++;
      const list: unknown[] = [];
      this.ws();
      if (this.peek() === ']') {
        this.pos++;
        return list;
      }
      for (;;) {
        this.ws();
        list.push(this.value());
        this.ws();
        if (this.peek() === ']') {
          this.pos++;
          return list;
        }
        this.expect(',', "',' or ']' in a list");
      }
    }
    const word = this.bareWord();
    if (!word) this.fail('a value');
    return typed(word);
  }

  private quoted(q: string): string {
    const start = this.pos;
    this.pos++;
    let s = '';
    while (this.pos < this.src.length && this.src[this.pos] !== q) {
      if (this.src[this.pos] === '\\' && this.pos + 1 < this.src.length) this.pos++;
      s += this.src[this.pos++];
    }
    if (this.pos >= this.src.length) this.fail(`a closing ${q} for the string opened at position ${start}`);
    this.pos++;
    return s;
  }

  private bareWord(): string {
    const start = this.pos;
    while (this.pos < this.src.length && !BARE_STOP.has(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private expect(c: string, what: string): void {
    if (this.peek() !== c) this.fail(what);
    this.pos++;
  }

  private fail(expected: string, at = this.pos): never {
    const found = at < this.src.length ? `'${this.src[at]}'` : 'end of input';
    throw new FuseFlowError(
      'FF_MANIFEST_INVALID',
      `pass pipeline: expected ${expected} at position ${at}, found ${found}\n  ${this.src}\n  ${' '.repeat(at)}^`,
      { path: `passes@${at}` },
    );
  }
}

function typed(word: string): unknown {
  if (word === 'true') return true;
  if (word === 'false') return false;
  if (word === 'null') return null;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(word)) return Number(word);
  return word;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown, dup: () => never): void {
  const parts = key.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) {
    if (o[p] === undefined) o[p] = {};
    if (typeof o[p] !== 'object' || o[p] === null || Array.isArray(o[p])) dup();
    o = o[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last in o) dup();
  o[last] = value;
}
