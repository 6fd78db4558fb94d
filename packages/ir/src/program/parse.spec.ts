import fc from 'fast-check';
import { errorOf } from '@fuseflow/kernel';

const inputErrorOf = (f: () => unknown) => errorOf(f, 'FF_INPUT_INVALID');
import type { Expr } from './ast';
import { parseExpr, parseProgram, parseStatement } from './parse';
import { printExpr, printProgram } from './print';
import { verifyProgram } from './verify';
import { programFromStatement } from './from-statement';
import { E } from './expr-utils';

const GCN = `
program gcn_layer   # one GCN layer
tensor A(2708,2708): dcsr input
tensor X(2708,1433): dense input
tensor W(1433,16): dcsr input
tensor T0(2708,1433): dense intermediate
tensor Y(2708,16): dense output
s0: T0(i,j) = A(i,k) * X(k,j)
s1: Y(i,l) = relu(sum(j, T0(i,j) * W(j,l)))
group g0 = s0, s1 order i,k,j,l
schedule block 16 A ; parallel i 4 in g0
`;

describe('expression syntax', () => {
  it('uses the usual precedence and associativity', () => {
    expect(parseExpr('A(i) + B(i) * C(i)')).toEqual(E.binary('add', E.access('A', 'i'), E.binary('mul', E.access('B', 'i'), E.access('C', 'i'))));
    expect(parseExpr('A(i) - B(i) - C(i)')).toEqual(E.binary('sub', E.binary('sub', E.access('A', 'i'), E.access('B', 'i')), E.access('C', 'i')));
    expect(parseExpr('A(i) / (B(i) / 2)')).toEqual(E.binary('div', E.access('A', 'i'), E.binary('div', E.access('B', 'i'), E.const(2))));
    expect(parseExpr('-A(i) * -2.5e-1')).toEqual(E.binary('mul', E.unary('neg', E.access('A', 'i')), E.const(-0.25)));
    expect(parseExpr('max(A(i), 0)')).toEqual(E.binary('max', E.access('A', 'i'), E.const(0)));
    expect(parseExpr('max(j, S(i,j))')).toEqual(E.reduce('max', ['j'], E.access('S', 'i', 'j')));
    expect(parseExpr('sum(k l, A(i,k,l))')).toEqual(E.reduce('sum', ['k', 'l'], E.access('A', 'i', 'k', 'l')));
    expect(parseExpr('div(exp(S(i,j)), s())')).toEqual(E.binary('div', E.unary('exp', E.access('S', 'i', 'j')), E.access('s')));
    expect(parseExpr('neg(rsqrt(v(i)))')).toEqual(E.unary('neg', E.unary('rsqrt', E.access('v', 'i'))));
  });

  it.each([
    ['A(i) +', /column 7: expected a tensor access, number, function or "\(", found end of line/],
    ['A(i,) * B(i)', /column 5: expected an index variable in A\(\.\.\.\), found '\)'/],
    ['A(i j)', /column 5: expected ',' or '\)' after the indices of A, found 'j'/],
    ['exp(A(i)', /column 9: expected '\)' closing exp\(\.\.\.\), found end of line/],
    ['sum(k A(i,k))', /column 7: expected ',' after the index variables of sum/],
    ['A(i) $ B(i)', /column 6: unexpected character '\$'/],
    ['(A(i)', /column 6: expected '\)' closing the parenthesis/],
    ['A', /column 2: expected '\(' after 'A', found end of line/],
  ])('reports the position of %s', (text, msg) => {
    expect(inputErrorOf(() => parseExpr(text as string)).message).toMatch(new RegExp('line 1, ' + (msg as RegExp).source));
  });

  it('property: printExpr then parseExpr gives the same tree', () => {
    const idx = fc.constantFrom('i', 'j', 'k');
    const leaf: fc.Arbitrary<Expr> = fc.oneof(
      fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.array(idx, { minLength: 0, maxLength: 3 })).map(([t, ix]) => E.access(t, ...ix)),
      fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })).map((v) => E.const(v)),
    );
    const tree = fc.letrec<{ e: Expr }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'max', 'min'), tie('e'), tie('e')).map(([op, a, b]) =>
          E.binary(op as 'add', a, b),
        ),
        fc.tuple(fc.constantFrom('exp', 'relu', 'neg', 'sqrt', 'rsqrt', 'log', 'sigmoid', 'tanh', 'abs', 'square'), tie('e')).map(([op, a]) =>
          E.unary(op as 'exp', a),
        ),
        fc.tuple(fc.constantFrom('sum', 'max'), fc.uniqueArray(idx, { minLength: 1, maxLength: 2 }), tie('e')).map(([op, ix, a]) =>
          E.reduce(op as 'sum', ix, a),
        ),
      ),
    })).e;
    fc.assert(
      fc.property(tree, (e) => {
        expect(parseExpr(printExpr(e))).toEqual(e);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('program text form', () => {
  it('parses the GCN layer and round-trips through the printer', () => {
    const p = parseProgram(GCN);
    expect(p.name).toBe('gcn_layer');
    expect(p.tensors.A).toEqual({ name: 'A', shape: [2708, 2708], format: { levels: ['compressed', 'compressed'], modeOrder: [0, 1] }, role: 'input' });
    expect(p.statements.map((s) => s.name)).toEqual(['s0', 's1']);
    expect(p.statements[1].rhs).toEqual(E.unary('relu', E.reduce('sum', ['j'], E.binary('mul', E.access('T0', 'i', 'j'), E.access('W', 'j', 'l')))));
    expect(p.groups).toEqual([{ name: 'g0', statements: ['s0', 's1'], loopOrder: ['i', 'k', 'j', 'l'] }]);
    expect(p.schedule).toEqual({ blocking: { size: 16, tensors: ['A'] }, parallel: [{ index: 'i', factor: 4, group: 'g0' }] });
    expect(p.outputs).toEqual(['Y']);
    verifyProgram(p);
    const text = printProgram(p);
    expect(text).toContain('tensor A(2708,2708): dcsr input\n');
    expect(text).toContain('s1: Y(i,l) = relu(sum(j, T0(i,j) * W(j,l)))\n');
    expect(parseProgram(text)).toEqual(p);
  });

  it('round-trips formats with mode orders, blocks, scalars and explicit outputs', () => {
    const src = [
      'program p',
      'tensor B(4,6): cc:1,0 input',
      'tensor C(4,6,2): dcs:2,0,1 input',
      'tensor s(): dense input',
      'tensor M(4,6): bcsr-2 input',
      'tensor T(4): dense output',
      'tensor U(4): sparse output',
      'a: T(i) = sum(j, B(i,j) * M(i,j)) / s()',
      'b: U(i) = max(j k, C(i,j,k)) - T(i)',
      'outputs U',
      '',
    ].join('\n');
    const p = parseProgram(src);
    verifyProgram(p);
    expect(p.outputs).toEqual(['U']);
    expect(printProgram(p)).toBe(src.replace('cc:1,0', 'dcsc'));
    expect(parseProgram(printProgram(p))).toEqual(p);
  });

  it.each([
    ['tensor A(2,x): dense input', /line 1, column 12: expected a positive integer extent in the shape of A, found 'x'/],
    ['tensor A(2,2): dense', /line 1, column \d+: expected a format and then a role/],
    ['tensor A(2,2): weird input', /line 1, column 16: tensor A: unknown tensor format 'weird'/],
    ['tensor A(2): dense input\ntensor A(2): dense input', /line 2, column 1: tensor A is declared twice/],
    ['group g = s0 order', /line 1, column 19: expected an index variable in the loop order of g, found end of line/],
    ['schedule block x', /line 1, column 16: expected a block size, found 'x'/],
    ['schedule tile 4', /line 1, column 10: expected 'block' or 'parallel', found 'tile'/],
    ['\n\ns0: Y(i) = A(i) +* B(i)', /line 3, column 18: expected a tensor access/],
    ['s0: Y(i) A(i)', /line 1, column 10: expected '=' after Y\(i\), found 'A'/],
  ])('reports syntax errors with line and column: %s', (src, msg) => {
    expect(inputErrorOf(() => parseProgram(src as string)).message).toMatch(msg as RegExp);
  });
});

describe('verifyProgram', () => {
  const base = (stmts: string, extra = ''): string =>
    ['program t', 'tensor A(3,4): csr input', 'tensor x(4): dense input', 'tensor T(3): dense intermediate', 'tensor Y(3): dense output', extra, stmts].join('\n');

  it.each([
    ['s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i) * Q(i)', /statement s1 \(s1: Y\(i\) = T\(i\) \* Q\(i\)\): unknown tensor Q/],
    ['s0: T(i) = A(i,k) * x(k,j)\ns1: Y(i) = T(i)', /statement s0 .*: x\(k,j\) has 2 index\(es\) but x has rank 1/],
    ['s0: T(i) = A(i,k) * x(i)\ns1: Y(i) = T(i)', /statement s0 .*: index i is bound to extent 3 by T\(i\) and to extent 4 by x\(i\)/],
    ['s0: T(i) = sum(k, x(k))\ns1: Y(i) = T(i)', /statement s0 .*: output index i of T\(i\) does not appear on the right-hand side/],
    ['s0: T(i) = A(i,k) * x(k)\ns1: T(i) = A(i,k) * x(k)\ns2: Y(i) = T(i)', /statement s1 .*: tensor T is already written by statement s0/],
    ['s0: Y(i) = T(i) + 1\ns1: T(i) = A(i,k) * x(k)', /statement s0 .*: reads T before it is written \(statement s1 writes it later/],
    ['s0: T(i) = T(i) + A(i,k) * x(k)\ns1: Y(i) = T(i)', /statement s0 .*: reads T, which it writes itself \(a cycle\)/],
    ['s0: T(i) = A(i,k) * x(k)', /output tensor Y is never written/],
    ['s0: x(k) = A(i,k)\ns1: T(i) = A(i,k)\ns2: Y(i) = T(i)', /statement s0 .*: writes x, which is declared as an input/],
    ['s0: T(i) = sum(i, A(i,k)) * x(k)\ns1: Y(i) = T(i)', /reduces over i, which is an output index/],
    ['s0: T(i) = A(i,k) * sum(k, x(k))\ns1: Y(i) = T(i)', /index k is reduced by an explicit reduction and also used outside it/],
    ['s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\ngroup g = s1, s0', /group g: statements must be listed in program order/],
    ['s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\ngroup g = s0, s1 order i,q', /group g: loop order names q/],
    ['s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\nschedule parallel z 2', /parallel index z is not used/],
  ])('rejects %s', (stmts, msg) => {
    expect(inputErrorOf(() => verifyProgram(parseProgram(base(stmts as string)))).message).toMatch(msg as RegExp);
  });

  it('a schedule may name the unfused default groups g<k> before pass-fusion runs, and no others', () => {
    // what `fuseflow simulate --passes parallelize{factor=3}` hands the kernel's verifier
    expect(() => verifyProgram(parseProgram(base('s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\nschedule parallel i 3 in g1')))).not.toThrow();
    expect(inputErrorOf(() => verifyProgram(parseProgram(base('s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\nschedule parallel i 3 in g2')))).message).toMatch(/parallel i names unknown group g2/);
    // with explicit groups only their names count
    expect(inputErrorOf(() => verifyProgram(parseProgram(base('s0: T(i) = A(i,k) * x(k)\ns1: Y(i) = T(i)\ngroup f = s0, s1\nschedule parallel i 3 in g0')))).message).toMatch(/names unknown group g0/);
  });

  it('rejects reserved tensor names', () => {
    const p = parseProgram('tensor exp(2): dense input\ntensor Y(2): dense output\ns0: Y(i) = x(i)');
    expect(inputErrorOf(() => verifyProgram(p)).message).toMatch(/tensor name 'exp' is reserved/);
  });
});

describe('programFromStatement', () => {
  it('infers the output and unknown shapes from the given ones', () => {
    const p = programFromStatement('X(i,j) = B(i,k) * C(k,j)', { B: 'csr' }, { B: [5, 7], C: [7, 3] });
    expect(p.tensors.X).toMatchObject({ shape: [5, 3], role: 'output', format: { levels: ['dense', 'dense'] } });
    expect(p.tensors.B.format.levels).toEqual(['dense', 'compressed']);
    expect(p.outputs).toEqual(['X']);
    const q = programFromStatement('y(i) = A(i,j) * x(j)', {}, { A: [4, 6] });
    expect(q.tensors.x.shape).toEqual([6]);
    expect(parseStatement('y(i) = A(i,j) * x(j)').name).toBe('s0');
  });

  it('explains what it cannot infer', () => {
    expect(inputErrorOf(() => programFromStatement('y(i) = A(i,j) * x(j)', {}, { x: [6] })).message).toMatch(/cannot infer the extent of index i of y/);
    expect(inputErrorOf(() => programFromStatement('y(i) = A(i,j) * x(j)', { Z: 'csr' }, { A: [2, 6] })).message).toMatch(/--format names Z/);
    expect(inputErrorOf(() => programFromStatement('y(i) = A(i,j) * x(j)', {}, { A: [2, 6], x: [5] })).message).toMatch(
      /index j has extent 6 from one shape and 5 from x's shape/,
    );
  });
});
