/* Figure 12 fast: the SAE with the artifact's loop order (order #0) beside ours, same data. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIG12 } from './experiment-defs';
import { runPayload, type ExperimentRun } from './experiments';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
type Conf = { name: string; passes: Array<string | { use: string; options?: Record<string, unknown> }> };
type Resolved = { frontend: { options: unknown }; configurations: Conf[] };

const resolved = (r: ExperimentRun): Resolved => runPayload(r, EXAMPLES, fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sae0-'))).manifest as unknown as Resolved;
const orderOf = (c: Conf) => c.passes.map((p) => (typeof p === 'string' ? { use: p } : p)).find((p) => p.use === 'dataflow-order')?.options?.order;

describe('fig12 fast: SAE with the artifact loop order', () => {
  const fast = FIG12.modes.fast;
  const ours = fast.filter((r) => r.group === 'SAE');
  const order0 = fast.filter((r) => r.group === 'SAE, artifact order #0');

  it('pairs every SAE run with an order #0 run on the same manifest, configuration and frontend data', () => {
    expect(order0.map((r) => `${r.label}|${r.configuration}`)).toEqual(ours.map((r) => `${r.label}|${r.configuration}`));
    expect(order0).toHaveLength(9);
    order0.forEach((r, k) => {
      expect(r.manifest).toBe(ours[k].manifest);
      expect(resolved(r).frontend.options).toEqual(resolved(ours[k]).frontend.options);
    });
  });

  it('order #0 runs pick loop order 0 in the configuration they run, with the same fusion as ours', () => {
    order0.forEach((r, k) => {
      const mine = resolved(r).configurations.find((c) => c.name === r.configuration)!;
      const theirs = resolved(ours[k]).configurations.find((c) => c.name === ours[k].configuration)!;
      expect(orderOf(mine)).toBe(0);
      expect(orderOf(theirs)).toBe('best-estimate');
      const fusion = (c: Conf) => c.passes.find((p) => typeof p !== 'string' && p.use === 'fusion');
      expect(fusion(mine)).toEqual(fusion(theirs));
    });
  });
});
