// Attention on the CPU: forward and forward+backward GFLOP/s as a ratio to a GEMM rate
// measured in the same run. FLOPs follow FlashAttention's benchmark convention (docs/kernels.md, Benchmark goals):
// forward 4*Nq*Nk*D*H, halved when causal (= 2*T*T*D*H per causal sequence); backward 2.5x
// the forward, so forward+backward = 3.5x. The GEMM rate is the engine's own CPU SGEMM
// (lib/engine/gemm.ts gemmSync, all threads) on 1024^3, re-measured right before each
// shape because the machine is shared.
import { attentionBackwardSync, attentionSync } from '../lib/engine/attention.js';
import { gemmSync } from '../lib/engine/gemm.js';
import type { HostTensor } from '../lib/engine/tensor.js';
import { round, time, type Harness } from './harness.js';

export const family = 'attention';

// Median and best GFLOP/s: on a shared machine the best run is the closest to what the
// hardware does, so ratioBest (best over best) is reported beside the median ratio.
function gemmGFlops(): { median: number; best: number } {
  const n = 1024;
  const a = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(n * n);
  const t = time(() => gemmSync(a, b, c, n, n, n), { warmup: 2, repeats: 7 });
  return { median: (2 * n * n * n) / (t.medianMs * 1e6), best: (2 * n * n * n) / (t.minMs * 1e6) };
}

function tensor(shape: number[], seed: number): HostTensor {
  const n = shape.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((Math.imul(i + seed, 2654435761) >>> 0) % 2000) / 1000 - 1;
  return { data, shape };
}

export async function run(h: Harness): Promise<void> {
  console.log('attention: ratioToGemm is against the engine GEMM (gemmSync 1024^3), ' +
    're-measured right before each shape (shared machine)');
  const shapes = [
    { seqs: 1, T: 1024, hq: 8, hkv: 8, D: 64 },
    { seqs: 1, T: 1024, hq: 8, hkv: 2, D: 128 },
    { seqs: 4, T: 512, hq: 8, hkv: 8, D: 64 },
  ];
  for (const s of shapes) {
    const nt = s.seqs * s.T;
    const cu = new Int32Array(s.seqs + 1).map((_, i) => i * s.T);
    const q = tensor([nt, s.hq, s.D], 1), k = tensor([nt, s.hkv, s.D], 2), v = tensor([nt, s.hkv, s.D], 3);
    const gradOut = tensor([nt, s.hq, s.D], 4);
    const gemm = gemmGFlops();
    const fwdFlops = s.seqs * 2 * s.T * s.T * s.D * s.hq;  // causal
    const fwd = time(() => attentionSync(q, k, v, cu));
    const both = time(() => {
      const r = attentionSync(q, k, v, cu);
      attentionBackwardSync(q, k, v, r.out, r.lse, gradOut, cu);
    });
    for (const [pass, t, flops] of [['fwd', fwd, fwdFlops], ['fwd+bwd', both, 3.5 * fwdFlops]] as const) {
      const gflops = flops / (t.medianMs * 1e6);
      const best = flops / (t.minMs * 1e6);
      h.add(family, {
        pass,
        seqs: s.seqs,
        T: s.T,
        Hq: s.hq,
        Hkv: s.hkv,
        D: s.D,
        causal: true,
        medianMs: round(t.medianMs),
        GFLOPs: round(gflops),
        gemmGFLOPs: round(gemm.median),
        ratioToGemm: round(gflops / gemm.median),
        ratioBest: round(best / gemm.best),
      });
    }
  }
}
