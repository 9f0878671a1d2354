// IEEE half -> f32 (F16 checkpoints): normals, subnormals, zeros, infinities, NaN.
import t from 'tap';
import { f16ToF32 } from '../../lib/model/bf16.js';

t.test('f16ToF32 against hand-computed values', async (t) => {
  const cases: [number, number][] = [
    [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14],
    [0x3555, 0.333251953125], [0x0000, 0], [0x7c00, Infinity], [0xfc00, -Infinity],
  ];
  const got = f16ToF32(Uint16Array.from(cases.map(([h]) => h)));
  cases.forEach(([h, v], i) => t.equal(got[i], v, `0x${h.toString(16)}`));
  const z = f16ToF32(Uint16Array.of(0x8000, 0x7e00));
  t.ok(Object.is(z[0], -0), '-0');
  t.ok(Number.isNaN(z[1]), 'NaN');
  // Every finite half, checked against the formula in float64.
  let bad = 0;
  const all = new Uint16Array(65536).map((_, i) => i);
  const f = f16ToF32(all);
  for (let h = 0; h < 65536; h++) {
    const e = (h >> 10) & 31, m = h & 1023, s = h & 0x8000 ? -1 : 1;
    if (e === 31) continue;
    const want = s * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
    if (f[h] !== want) bad++;
  }
  t.equal(bad, 0);
});
