// groupedAdvantages on the CPU: memory-bound, so reported as a ratio to the streaming-copy
// bandwidth measured in the same run. Bytes moved = rewards read (4R) + advantages written
// (4R) + offsets read (4(G+1)) + mean/std/flags written (9G). Two rows per shape: fresh
// outputs (allocated per call, so first-touch page faults count) and reused outputs
// (opts.out, as a training loop would do).
import { groupedAdvantagesSync } from '../lib/engine/advantage.js';
import { round, time, type Harness } from './harness.js';

export const family = 'groupedAdvantages';

export async function run(h: Harness): Promise<void> {
  const shapes = [
    { R: 1 << 20, group: 8 },
    { R: 1 << 24, group: 8 },
    { R: 1 << 24, group: 64 },
    { R: 1 << 24, group: 1 << 24 },
  ];
  for (const { R, group } of shapes) {
    const G = Math.ceil(R / group);
    const rewards = new Float32Array(R);
    for (let i = 0; i < R; i++) rewards[i] = (Math.imul(i, 2654435761) >>> 0) % 1000 / 1000;
    const offsets = new Int32Array(G + 1).map((_, g) => Math.min(g * group, R));
    const out = { advantages: new Float32Array(R), mean: new Float32Array(G), std: new Float32Array(G), zeroVariance: new Uint8Array(G) };
    for (const mode of ['grpo', 'rloo'] as const) {
      for (const outputs of ['fresh', 'reused'] as const) {
        const opts = outputs === 'reused' ? { mode, out } : { mode };
        const t = time(() => groupedAdvantagesSync(rewards, offsets, opts));
        const bytes = 8 * R + 4 * (G + 1) + 9 * G;
        const gbs = bytes / (t.medianMs * 1e6);
        h.add(family, {
          R,
          groupSize: group,
          mode,
          outputs,
          medianMs: round(t.medianMs),
          GBs: round(gbs),
          ratioToCopy: round(gbs / h.floors.copyGBs),
        });
      }
    }
  }
}
