import { FuseFlowError } from './errors';

/** Line and column (both 1-based) of a character offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse with errors that name the file, line and column (FF_MANIFEST_INVALID).
 * V8 reports a character position for most syntax errors; a truncated document has none,
 * so it is reported at the end of the text.
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const offset = m ? Number(m[1]) : text.length;
    const { line, column } = lineColumn(text, offset);
    const srcLine = text.split('\n')[line - 1] ?? '';
    const reason = msg.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new FuseFlowError(
      'FF_MANIFEST_INVALID',
      `${file}:${line}:${column}: not valid JSON: ${reason}\n  ${srcLine}\n  ${' '.repeat(Math.max(0, column - 1))}^`,
      { path: `${file}:${line}:${column}`, cause: e },
    );
  }
}
