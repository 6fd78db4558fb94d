import { LinMap } from './lin-map';

describe('LinMap', () => {
  it('behaves like a Map across shards (shard limit shrunk to 3 keys)', () => {
    const m = new LinMap(3);
    const ref = new Map<number, number>();
    const ops: Array<['add' | 'set', number, number]> = [
      ['add', 5, 1], ['add', 9, 2], ['set', 1, 7], ['add', 5, 3], ['add', 12, 1], ['add', 40, -2],
      ['set', 9, 0.5], ['add', 2, 2], ['add', 12, 4], ['add', 33, 1], ['set', 40, 6], ['add', 7, 1],
    ];
    for (const [op, k, v] of ops) {
      if (op === 'add') m.add(k, v);
      else m.set(k, v);
      ref.set(k, op === 'add' ? (ref.get(k) ?? 0) + v : v);
    }
    expect(m.size).toBe(ref.size);
    for (const k of [...ref.keys(), 0, 3, 100]) {
      expect([k, m.has(k), m.get(k)]).toEqual([k, ref.has(k), ref.get(k)]);
    }
    expect(Array.from(m.sortedKeys())).toEqual([...ref.keys()].sort((a, b) => a - b));
    expect(new Map(m.entries())).toEqual(ref);
  });
});
