#!/usr/bin/env python3
"""Generates SCALE-Sim v2 reference data for plugins/backend-systolic (parity fixtures).

Runs the unmodified oracle in ../shared/oracles/scale-sim-v2 once per (layer, array, dataflow)
case, in sequence, and writes only the numbers it reports (COMPUTE_REPORT and
DETAILED_ACCESS_REPORT) as JSON, one case per line. No SCALE-Sim code is copied: the oracle is
imported from its own folder at run time.

  /usr/bin/python3 tools/oracles/scale-sim-fixture.py --oracle ../shared/oracles/scale-sim-v2 \
      --out plugins/backend-systolic/src/__fixtures__/scale-sim-parity.json
  /usr/bin/python3 tools/oracles/scale-sim-fixture.py --oracle ../shared/oracles/scale-sim-v2 --stalls \
      --out plugins/backend-systolic/src/__fixtures__/scale-sim-stalls.json

Layers are given with their padding already applied (SCALE-Sim's CSV has no padding field) and,
for strided layers, an ifmap side with (H - k) divisible by the stride: SCALE-Sim computes the
ofmap side as ceil((H - k + s) / s), PyTorch as floor((H + 2p - k) / s) + 1, and the two agree
only then.
"""
import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stdout

# name, ifmap H, ifmap W, filter H, filter W, channels, filters, stride
LAYERS = [
    ('lenet-conv1', 32, 32, 5, 5, 1, 6, 1),
    ('lenet-conv2', 14, 14, 5, 5, 6, 16, 1),
    ('lenet-fc1', 1, 1, 1, 1, 400, 120, 1),
    ('lenet-fc2', 1, 1, 1, 1, 120, 84, 1),
    ('lenet-fc3', 1, 1, 1, 1, 84, 10, 1),
    ('resnet8-conv1', 34, 34, 3, 3, 3, 16, 1),
    ('resnet8-l1', 34, 34, 3, 3, 16, 16, 1),
    ('resnet8-l2-s2', 33, 33, 3, 3, 16, 32, 2),
    ('resnet8-l2-sc-s2', 31, 31, 1, 1, 16, 32, 2),
    ('resnet8-l2', 18, 18, 3, 3, 32, 32, 1),
    ('resnet8-l3-s2', 17, 17, 3, 3, 32, 64, 2),
    ('resnet8-l3', 10, 10, 3, 3, 64, 64, 1),
    ('resnet8-fc', 1, 1, 1, 1, 64, 10, 1),
    ('resnet18-conv1-s2', 229, 229, 7, 7, 3, 64, 2),
    ('resnet18-l1', 58, 58, 3, 3, 64, 64, 1),
    ('resnet18-l2-s2', 57, 57, 3, 3, 64, 128, 2),
    ('resnet18-l2', 30, 30, 3, 3, 128, 128, 1),
    ('resnet18-l3-sc-s2', 27, 27, 1, 1, 128, 256, 2),
    ('resnet18-l3', 16, 16, 3, 3, 256, 256, 1),
    ('resnet18-l4', 9, 9, 3, 3, 512, 512, 1),
    ('resnet18-fc', 1, 1, 1, 1, 512, 1000, 1),
    ('resnet50-l1-1x1a', 56, 56, 1, 1, 64, 64, 1),
    ('resnet50-l1-1x1b', 56, 56, 1, 1, 64, 256, 1),
    ('resnet50-l2-3x3-s2', 57, 57, 3, 3, 128, 128, 2),
    ('resnet50-l2-sc-s2', 55, 55, 1, 1, 256, 512, 2),
    ('resnet50-l4-1x1', 7, 7, 1, 1, 512, 2048, 1),
    ('resnet50-fc', 1, 1, 1, 1, 2048, 1000, 1),
]
ARRAYS = [8, 16, 32, 64, 128]
DATAFLOWS = ['os', 'ws', 'is']
# Demand-matrix rows SCALE-Sim walks one by one in Python; keeps one case under ~5 CPU-s here.
MAX_LINES = 40_000

# Finite-bandwidth cases: small layers, small SRAMs, 1-4 words/cycle, so memory stalls appear.
STALL_CASES = [
    ('lenet-conv2', 8, 'os', 4, 1), ('lenet-conv2', 8, 'ws', 4, 1), ('lenet-conv2', 8, 'is', 4, 1),
    ('resnet8-l2-s2', 16, 'os', 8, 2), ('resnet8-l2-s2', 16, 'ws', 8, 2), ('resnet8-l2-s2', 16, 'is', 8, 2),
    ('resnet8-l3', 16, 'os', 8, 4), ('resnet8-l3', 16, 'ws', 8, 4), ('resnet8-l3', 16, 'is', 8, 4),
    ('lenet-fc1', 8, 'ws', 4, 1), ('resnet8-conv1', 32, 'os', 16, 2), ('resnet8-l1', 32, 'ws', 16, 4),
]


def gemm_dims(layer):
    _, ih, iw, fh, fw, ch, nf, s = layer
    oh = -(-(ih - fh + s) // s)
    ow = -(-(iw - fw + s) // s)
    return oh * ow, fh * fw * ch, nf


def est_lines(layer, n, df):
    m, k, nf = gemm_dims(layer)
    sr, sc, t = {'os': (m, nf, k), 'ws': (k, nf, m), 'is': (k, m, nf)}[df]
    folds = -(-sr // n) * -(-sc // n)
    return folds * ((t + 2 * n - 2) if df == 'os' else (t + 3 * n - 2))


def plan_parity():
    """Each layer on every dataflow, on two arrays (rotating through ARRAYS), skipping too-slow pairs."""
    cases = []
    for i, layer in enumerate(LAYERS):
        picked = 0
        for j in range(len(ARRAYS)):
            n = ARRAYS[(i + 2 * j) % len(ARRAYS)]
            if any(est_lines(layer, n, df) > MAX_LINES for df in DATAFLOWS):
                continue
            for df in DATAFLOWS:
                cases.append((layer, n, df, 64, None))
            picked += 1
            if picked == 2:
                break
    return cases


def plan_stalls():
    by_name = {l[0]: l for l in LAYERS}
    return [(by_name[name], n, df, kb, bw) for name, n, df, kb, bw in STALL_CASES]


CFG = """[general]
run_name = run
[architecture_presets]
ArrayHeight: {n}
ArrayWidth: {n}
IfmapSramSzkB: {kb}
FilterSramSzkB: {kb}
OfmapSramSzkB: {kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth : {bw}
Dataflow : {df}
MemoryBanks: 1
[run_presets]
InterfaceBandwidth: {mode}
"""


def read_report(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [float(x) for x in rows[1] if x.strip() != '']


def run_case(scalesim, work, layer, n, df, kb, bw):
    with open(os.path.join(work, 'scale.cfg'), 'w') as f:
        f.write(CFG.format(n=n, df=df, kb=kb, bw=bw if bw else 10, mode='USER' if bw else 'CALC'))
    with open(os.path.join(work, 'layers.csv'), 'w') as f:
        f.write('Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n')
        f.write(', '.join(str(x) for x in layer) + ',\n')
    out = os.path.join(work, 'out')
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.process_time()
    with redirect_stdout(io.StringIO()):
        s = scalesim(save_disk_space=True, verbose=False, config=os.path.join(work, 'scale.cfg'),
                     topology=os.path.join(work, 'layers.csv'))
        s.run_scale(top_path=out)
    cpu = time.process_time() - t0
    comp = read_report(os.path.join(out, 'run', 'COMPUTE_REPORT.csv'))
    det = read_report(os.path.join(out, 'run', 'DETAILED_ACCESS_REPORT.csv'))
    return {
        'name': layer[0], 'layer': list(layer[1:]), 'array': n, 'dataflow': df, 'sramKB': kb,
        'bandwidth': bw,
        'totalCycles': int(comp[1]), 'stallCycles': int(comp[2]), 'utilPct': round(comp[3], 6),
        'mappingEffPct': round(comp[4], 6), 'computeUtilPct': round(comp[5], 6),
        'sramIfmapReads': int(det[3]), 'sramFilterReads': int(det[6]), 'sramOfmapWrites': int(det[9]),
        'dramIfmapReads': int(det[12]), 'dramFilterReads': int(det[15]), 'dramOfmapWrites': int(det[18]),
        'cpuS': round(cpu, 2),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', required=True, help='path of scale-sim-v2 (the folder holding scalesim/)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--stalls', action='store_true', help='finite-bandwidth cases instead of the parity set')
    ap.add_argument('--plan', action='store_true', help='print the cases and estimated work, run nothing')
    a = ap.parse_args()
    cases = plan_stalls() if a.stalls else plan_parity()
    if a.plan:
        for layer, n, df, kb, bw in cases:
            print(layer[0], n, df, kb, bw, est_lines(layer, n, df))
        print(len(cases), 'cases,', sum(est_lines(l, n, df) for l, n, df, _, _ in cases), 'demand rows')
        return
    sys.path.insert(0, os.path.abspath(a.oracle))
    global scalesim
    from scalesim.scale_sim import scalesim  # noqa: E402  (the oracle, imported from its own folder)
    work = tempfile.mkdtemp(prefix='scalesim-fixture-')
    header = {
        'generator': 'tools/oracles/scale-sim-fixture.py',
        'command': ' '.join(['/usr/bin/python3', 'tools/oracles/scale-sim-fixture.py', '--oracle',
                             '../shared/oracles/scale-sim-v2'] + (['--stalls'] if a.stalls else []) +
                            ['--out', a.out]),
        'oracle': 'scalesim-project/scale-sim-v2 @ 22f88b17 (unmodified)',
        'config': 'square array, ifmap/filter/ofmap SRAM sramKB each, 1-byte words, MemoryBanks 1; '
                  'bandwidth null = InterfaceBandwidth CALC (stall-free), else USER with that many words/cycle',
        'fields': 'layer = [ifmapH, ifmapW, filterH, filterW, channels, filters, stride]; counts in words',
    }
    t_all = time.time()
    rows = []
    tmp = a.out + '.partial'
    for i, (layer, n, df, kb, bw) in enumerate(cases):
        rows.append(run_case(scalesim, work, layer, n, df, kb, bw))
        print(f'[{i + 1}/{len(cases)}] {layer[0]} {n}x{n} {df} bw={bw}: {rows[-1]["totalCycles"]} cycles '
              f'({rows[-1]["cpuS"]} CPU-s)', file=sys.stderr, flush=True)
        with open(tmp, 'w') as f:
            json.dump({**header, 'cases': rows}, f)
    header['wallSeconds'] = round(time.time() - t_all, 1)
    header['cpuSeconds'] = round(sum(r['cpuS'] for r in rows), 1)
    with open(a.out, 'w') as f:
        f.write(json.dumps(header, indent=1)[:-2] + ',\n "cases": [\n')
        f.write(',\n'.join('  ' + json.dumps(r) for r in rows))
        f.write('\n ]\n}\n')
    os.remove(tmp)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
