/** Render rows as an aligned text table (first row is the header); numbers align right. */
export function formatTable(rows: string[][], rightAlign: boolean[] = []): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

// Shared with report.html (@fuseflow/report), whose tables print the same numbers; its ./format entry is one
// small module, so commands that print a table load nothing more.
export { formatNumber } from '@fuseflow/report/format';
