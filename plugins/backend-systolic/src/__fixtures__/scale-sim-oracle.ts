import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataflow } from '../systolic';

/** One SCALE-Sim v2 run (see tools/oracles/scale-sim-fixture.py and the README for the command). */
export interface OracleCase {
  name: string;
  layer: [number, number, number, number, number, number, number];
  array: number;
  dataflow: Dataflow;
  sramKB: number;
  bandwidth: number | null;
  totalCycles: number;
  stallCycles: number;
  utilPct: number;
  sramIfmapReads: number;
  sramFilterReads: number;
  sramOfmapWrites: number;
  dramIfmapReads: number;
  dramFilterReads: number;
  dramOfmapWrites: number;
}

export function loadOracle(file: string): OracleCase[] {
  return (JSON.parse(readFileSync(resolve(__dirname, file), 'utf8')) as { cases: OracleCase[] }).cases;
}

