import { FuseFlowError } from './deps';
import { convLayer, gemmLayer, type Network } from './workload';

/**
 * Parses a SCALE-Sim topology CSV. Accepted shapes (header optional, trailing commas, blank
 * lines and '#' comments tolerated):
 *   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
 *   ... with "Stride Height, Stride Width" instead of "Strides" (scale-sim v2/v3 files),
 *   Layer, M, N, K,   (GEMM topologies: out[M x N] = A[M x K] * B[K x N]).
 * `source` names the file in error messages.
 */
export function parseTopologyCsv(text: string, source = 'topology'): Network {
  const rows: Array<{ line: number; cells: string[] }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const cells = line.split(',').map((c) => c.trim());
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) rows.push({ line: i + 1, cells });
  });
  if (rows.length === 0) throw new FuseFlowError('FF_INPUT_INVALID', `${source}: no layers (the file is empty)`);
  const isNum = (s: string) => /^[+-]?\d+(\.\d+)?$/.test(s);
  let header: string[] | undefined;
  if (!rows[0].cells.slice(1).every(isNum)) header = rows.shift()!.cells.map((h) => h.toLowerCase().replace(/[^a-z]/g, ''));
  const gemm = header !== undefined && header.length >= 4 && header[1] === 'm' && header[2] === 'n' && header[3] === 'k';
  const separateStrides = header !== undefined && header.some((h) => h === 'strideheight' || h === 'strideh');
  const layers = rows.map(({ line, cells }) => {
    const name = cells[0];
    const need = gemm ? 4 : 7;
    if (cells.length < need) {
      throw new FuseFlowError(
        'FF_INPUT_INVALID',
        `${source}:${line}: layer '${name}' has ${cells.length - 1} numeric fields, expected ${gemm ? '3 (M, N, K)' : 'at least 6 (IFMAP H, IFMAP W, Filter H, Filter W, Channels, Num Filter[, Strides])'}`,
      );
    }
    const nums = cells.slice(1).map((c, j) => {
      const v = Number(c);
      if (!Number.isInteger(v) || v <= 0) {
        const col = header ? header[j + 1] ?? `column ${j + 2}` : `column ${j + 2}`;
        throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${line}: layer '${name}': ${col} must be a positive integer, got '${c}'`);
      }
      return v;
    });
    if (gemm) return gemmLayer(name, nums[0], nums[2], nums[1]);
    const [ih, iw, fh, fw, ch, nf] = nums;
    const sh = nums[6] ?? 1;
    const sw = separateStrides ? nums[7] ?? sh : sh;
    if (fh > ih || fw > iw) {
      throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${line}: layer '${name}': filter ${fh}x${fw} is larger than the ifmap ${ih}x${iw} (SCALE-Sim layers are unpadded)`);
    }
    return convLayer(name, ih, iw, fh, fw, ch, nf, sh, sw);
  });
  return { name: source.replace(/^.*[\\/]/, '').replace(/\.csv$/i, ''), layers, activation: 'relu', aliases: {} };
}

/** The SCALE-Sim .cfg fields the array model uses (all optional: absent keys keep our defaults). */
export interface ScaleSimConfig {
  runName?: string;
  arrayHeight?: number;
  arrayWidth?: number;
  ifmapSramKB?: number;
  filterSramKB?: number;
  ofmapSramKB?: number;
  dataflow?: 'os' | 'ws' | 'is';
  bandwidth?: number;
  /** CALC: SCALE-Sim sizes the interface to the demand (stall-free); USER: `bandwidth` words/cycle per operand. */
  interfaceBandwidth?: 'CALC' | 'USER';
}

/** Parses a SCALE-Sim INI config (`key : value` or `key = value`; section names ignored; keys case-insensitive). */
export function parseScaleSimCfg(text: string, source = 'config'): ScaleSimConfig {
  const out: ScaleSimConfig = {};
  const numeric: Record<string, keyof ScaleSimConfig> = {
    arrayheight: 'arrayHeight',
    arraywidth: 'arrayWidth',
    ifmapsramszkb: 'ifmapSramKB',
    filtersramszkb: 'filterSramKB',
    ofmapsramszkb: 'ofmapSramKB',
    bandwidth: 'bandwidth',
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line || line.startsWith('[')) return;
    const m = /^([^:=]+)[:=](.*)$/.exec(line);
    if (!m) throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${i + 1}: expected 'Key : value', got '${line}'`);
    const key = m[1].trim().toLowerCase().replace(/[^a-z]/g, '');
    const value = m[2].trim();
    if (key === 'runname') out.runName = value;
    else if (key === 'dataflow') {
      const d = value.toLowerCase();
      if (d !== 'os' && d !== 'ws' && d !== 'is') throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${i + 1}: Dataflow must be os, ws or is, got '${value}'`);
      out.dataflow = d;
    } else if (key === 'interfacebandwidth') {
      const b = value.toUpperCase();
      if (b !== 'CALC' && b !== 'USER') throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${i + 1}: InterfaceBandwidth must be CALC or USER, got '${value}'`);
      out.interfaceBandwidth = b;
    } else if (numeric[key]) {
      const v = Number(value);
      if (!Number.isFinite(v) || v <= 0) throw new FuseFlowError('FF_INPUT_INVALID', `${source}:${i + 1}: ${m[1].trim()} must be a positive number, got '${value}'`);
      (out as Record<string, unknown>)[numeric[key]] = v;
    }
  });
  return out;
}
