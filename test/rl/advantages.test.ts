import t from 'tap';

import { grpoAdvantagesByGroup } from '../../lib/rl/advantages.js';
import { isHard } from '../../lib/toolexpander/index.js';

t.test('grouped advantages (grpo mode) and hard detection on hand-made groups', async (t) => {
  const groups = [
    [1, 0, 0, 0], // one correct: positive for it, negative for the rest
    [0, 0, 0, 0], // hard: zero variance, zero advantages
    [1.01, 1, 1, 1], // all correct, one with the SET bonus: a tiny spread
    [1, 1, 1, 1], // all correct: zero variance
    [0.01, 0, 0, 0], // SET without base reward (gate 'always'): still hard
  ];
  const r = await grpoAdvantagesByGroup(groups);
  t.same(r.zeroVariance, [false, true, false, true, false]);
  t.same(groups.map((g) => isHard(g)), [false, true, false, false, true]);
  const a0 = Array.from(r.perGroup[0] ?? []);
  const std = Math.sqrt((0.75 ** 2 + 3 * 0.25 ** 2) / 3); // unbiased
  t.ok(Math.abs((a0[0] ?? 0) - 0.75 / (std + 1e-6)) < 1e-5, `positive advantage ${a0[0]}`);
  for (const x of a0.slice(1)) t.ok(Math.abs(x + 0.25 / (std + 1e-6)) < 1e-5);
  t.same(Array.from(r.perGroup[1] ?? []), [0, 0, 0, 0]);
  const a2 = Array.from(r.perGroup[2] ?? []);
  t.ok((a2[0] ?? 0) > 1, 'group normalization blows the 0.01 spread up to a full-size advantage');
  t.same(await grpoAdvantagesByGroup([]), { perGroup: [], zeroVariance: [] });
});
