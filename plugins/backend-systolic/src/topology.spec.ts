import { parseScaleSimCfg, parseTopologyCsv } from './topology';

describe('SCALE-Sim topology CSV', () => {
  it('reads the classic header with trailing commas and a single stride column', () => {
    const net = parseTopologyCsv(
      ['Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,', 'Conv1, 224, 224, 11, 11, 3, 96, 4,', '', 'Conv2, 27, 27, 5, 5, 96, 256, 1,'].join('\n'),
      'alexnet.csv',
    );
    expect(net.layers.map((l) => [l.name, l.h, l.kh, l.cin, l.cout, l.sh, l.sw, l.ho, l.wo])).toEqual([
      // (224 - 11) / 4 + 1 = 54 (floor), (27 - 5) / 1 + 1 = 23: SCALE-Sim layers are unpadded.
      ['Conv1', 224, 11, 3, 96, 4, 4, 54, 54],
      ['Conv2', 27, 5, 96, 256, 1, 1, 23, 23],
    ]);
  });

  it('reads separate stride height/width columns, CRLF line ends and comments', () => {
    const net = parseTopologyCsv('Layer, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Stride Height, Stride Width\r\n# stem\r\nc, 9, 12, 3, 3, 1, 2, 2, 3\r\n');
    expect([net.layers[0].sh, net.layers[0].sw, net.layers[0].ho, net.layers[0].wo]).toEqual([2, 3, 4, 4]);
  });

  it('reads headerless files and GEMM topologies (Layer, M, N, K)', () => {
    expect(parseTopologyCsv('c1,8,8,3,3,1,4,1').layers[0].ho).toBe(6);
    const g = parseTopologyCsv('Layer, M, N, K,\nfc, 16, 10, 64,').layers[0];
    expect([g.kind, g.rows, g.cout, g.cin]).toEqual(['gemm', 16, 10, 64]);
  });

  it('names the file, line and column of a bad value', () => {
    expect(() => parseTopologyCsv('Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 8, x, 3, 3, 1, 4, 1,', 'net.csv')).toThrow(
      /net\.csv:2: layer 'c1': ifmapwidth must be a positive integer, got 'x'/,
    );
    expect(() => parseTopologyCsv('c1, 8, 8, 3', 'net.csv')).toThrow(/net\.csv:1: layer 'c1' has 3 numeric fields, expected at least 6/);
    expect(() => parseTopologyCsv('c1, 2, 2, 3, 3, 1, 1, 1', 'net.csv')).toThrow(/filter 3x3 is larger than the ifmap 2x2/);
    expect(() => parseTopologyCsv('\n\n', 'empty.csv')).toThrow(/empty\.csv: no layers/);
  });
});

describe('SCALE-Sim .cfg', () => {
  it('reads google.cfg-style fields with either separator', () => {
    const cfg = parseScaleSimCfg(
      ['[general]', 'run_name = "tpu"', '', '[architecture_presets]', 'ArrayHeight:    256', 'ArrayWidth :   256', 'IfmapSramSzkB = 6144', 'FilterSramSzkB: 6144', 'OfmapSramSzkB: 2048', 'IfmapOffset: 0', 'Dataflow : WS', 'Bandwidth : 10'].join('\n'),
    );
    expect(cfg).toEqual({ runName: '"tpu"', arrayHeight: 256, arrayWidth: 256, ifmapSramKB: 6144, filterSramKB: 6144, ofmapSramKB: 2048, dataflow: 'ws', bandwidth: 10 });
  });

  it('rejects unknown dataflows and non-numeric sizes with the line number', () => {
    expect(() => parseScaleSimCfg('Dataflow: rs', 'a.cfg')).toThrow(/a\.cfg:1: Dataflow must be os, ws or is, got 'rs'/);
    expect(() => parseScaleSimCfg('[x]\nArrayHeight: big', 'a.cfg')).toThrow(/a\.cfg:2: ArrayHeight must be a positive number/);
    expect(parseScaleSimCfg('[run_presets]\nInterfaceBandwidth: CALC')).toEqual({ interfaceBandwidth: 'CALC' });
    expect(() => parseScaleSimCfg('[run_presets]\nInterfaceBandwidth: FAST', 'a.cfg')).toThrow(/a\.cfg:2: InterfaceBandwidth must be CALC or USER, got 'FAST'/);
  });
});

describe('the committed example topologies (examples/cnn, written by export.py from PyTorch)', () => {
  const dir = require('node:path').join(__dirname, '../../../examples/cnn');
  const read = (f: string) => require('node:fs').readFileSync(require('node:path').join(dir, f), 'utf8');

  it('parses resnet8.csv: 9 padded convs and the fc layer', () => {
    const net = parseTopologyCsv(read('resnet8.csv'), 'resnet8.csv');
    expect(net.layers).toHaveLength(10);
    // stem: 32x32 padded to 34x34, 3x3 -> 32x32; layer2.conv1 stride 2: (34 - 3) / 2 + 1 = 16.
    expect(net.layers.map((l) => l.ho)).toEqual([32, 32, 32, 16, 16, 16, 8, 8, 8, 1]);
    expect(net.layers[9]).toMatchObject({ name: 'fc', cin: 64, cout: 10 });
  });

  it('parses scale.cfg', () => {
    expect(parseScaleSimCfg(read('scale.cfg'))).toMatchObject({ arrayHeight: 32, arrayWidth: 32, dataflow: 'ws', bandwidth: 10, ifmapSramKB: 64 });
  });
});
