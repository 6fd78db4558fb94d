/**
 * report.html of a real `fuseflow run` opened in headless Chromium (Debian `chromium`, which
 * .ci/run installs): no console errors, one drawn node per dataflow node the simulator counted,
 * hover titles with counters, the charts drawn, and the zoom buttons working.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));

if (!CHROMIUM) {
  // loud on purpose: CI installs chromium, so a skip there means the set-up is broken
  console.warn('report-browser.spec: SKIPPED, no Chromium at $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser (apt-get install chromium)');
}
const maybe = CHROMIUM ? describe : describe.skip;

maybe('report.html in headless Chromium', () => {
  it('opens without console errors and draws every node of every graph with hover counters', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-report-browser-'));
    // the CLI from source in a child process: the charts need vega (an ES module)
    const r = spawnSync(
      process.execPath,
      ['--conditions=@fuseflow/source', '--conditions=development', '-r', '@swc-node/register', path.join(__dirname, '..', '__fixtures__', 'cli-from-source.ts'), 'run', path.join(ROOT, 'examples', 'gcn', 'small.json'), '-c', 'unfused', '-c', 'partially fused', '--out', out, '--quiet'],
      { encoding: 'utf8', cwd: ROOT, timeout: 240000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const file = path.join(out, 'report.html');
    expect(r.stdout).toContain(`report: ${file} (`);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      runs: Array<{ configuration: string; report: { details: { graphs: Array<{ graph: string; nodes: Array<{ id: number; stall: number }> }> } } }>;
    };
    const simulatedNodes = results.runs.reduce((a, run) => a + run.report.details.graphs.reduce((b, g) => b + g.nodes.length, 0), 0);
    expect(simulatedNodes).toBeGreaterThan(50);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      // offline: any request other than the file itself fails the test
      const requests: string[] = [];
      page.on('request', (q) => {
        if (q.url() !== `file://${file}`) requests.push(q.url());
      });
      await page.goto(`file://${file}`);
      expect(await page.locator('svg.graph g.node').count()).toBe(simulatedNodes);
      // per configuration as well: the drawn nodes are the graphs' nodes
      const drawn = await page.locator('svg.graph').evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.node').length));
      expect(drawn).toEqual(results.runs.flatMap((run) => run.report.details.graphs.map((g) => g.nodes.length)));
      expect(await page.locator('svg.graph g.edge').count()).toBeGreaterThan(simulatedNodes);
      // a node's hover title carries the simulator's stall cycles for it
      const g0 = results.runs[0].report.details.graphs[0];
      const node = g0.nodes[g0.nodes.length - 1];
      const title = await page.locator(`svg.graph >> nth=0 >> g.node[data-node="${node.id}"] > title`).textContent();
      expect(title).toContain(`stall cycles: ${node.stall.toLocaleString('en-US')}`);
      expect(await page.locator('svg.graph >> nth=0 >> g.edge > title').first().textContent()).toMatch(/tokens: [\d,]+\nqueued token-cycles: [\d,]+/);
      // both charts drawn, with the unit on the axis
      expect(await page.locator('figure svg').count()).toBe(2);
      expect(await page.locator('figure svg text', { hasText: 'simulated time (cycles)' }).count()).toBe(2);
      // zoom: "zoom +" widens the first graph by 25 %
      const first = page.locator('details[open] svg.graph').first();
      const w0 = Number(await first.getAttribute('width'));
      await page.locator('details[open] .zoom .in').first().click();
      expect(Number(await first.getAttribute('width'))).toBeCloseTo(w0 * 1.25, 5);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300000);
});
