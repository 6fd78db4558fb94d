/** Integer with thousands separators; other numbers to 4 significant digits; '-' when absent. */
export function formatNumber(v: number | undefined): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '-';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString();
}
