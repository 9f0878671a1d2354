// CPU SGEMM GFLOP/s at 512, 1024, 2048 (square, no transpose). Reported as a ratio to
// OpenBLAS sgemm when a peer is available in this run; otherwise (no OpenBLAS on this
// machine) as a ratio to the theoretical peak: clock x 2 FMA units x 16 f32 lanes x
// 2 flops x threads. The clock is the highest "cpu MHz" /proc/cpuinfo reports now, and
// "2 FMA units" is an assumption (some AVX-512 parts have one): both are printed.
import { existsSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import { round, time, type Harness } from './harness.js';

export const family = 'gemm';

function clockGHz(): number | undefined {
  if (!existsSync('/proc/cpuinfo')) return undefined;
  const mhz = [...readFileSync('/proc/cpuinfo', 'utf8').matchAll(/cpu MHz\s*:\s*([\d.]+)/g)].map((m) => Number(m[1]));
  return mhz.length ? Math.max(...mhz) / 1000 : undefined;
}

function openblasInstalled(): boolean {
  try {
    return /libopenblas/.test(execSync('ldconfig -p', { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

export async function run(h: Harness): Promise<void> {
  const report = devices();
  const threads = report.cpu.threads;
  const ghz = clockGHz();
  const lanes = report.cpu.simd === 'avx512' ? 16 : report.cpu.simd === 'avx2' ? 8 : 4;
  const peak = ghz === undefined ? undefined : ghz * 2 * lanes * 2 * threads;
  if (!openblasInstalled()) {
    console.log('gemm: OpenBLAS not installed here (ldconfig -p has no libopenblas): reporting the ratio to theoretical peak instead');
  } else {
    console.log('gemm: OpenBLAS is installed but this benchmark has no native shim to call it yet: ratio to theoretical peak only');
  }
  if (peak !== undefined) console.log(`gemm: peak = ${ghz!.toFixed(2)} GHz x 2 FMA x ${lanes} lanes x 2 x ${threads} threads = ${round(peak)} GFLOP/s`);
  for (const size of [512, 1024, 2048]) {
    const a = new Float32Array(size * size).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const b = new Float32Array(size * size).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const c = new Float32Array(size * size);
    const t = time(() => gemmSync(a, b, c, size, size, size), { warmup: 1, repeats: size >= 2048 ? 3 : 5, minMs: 0 });
    const gflops = (2 * size ** 3) / (t.medianMs * 1e6);
    h.add(family, {
      size,
      threads,
      medianMs: round(t.medianMs),
      GFLOPs: round(gflops),
      ratioToPeak: peak === undefined ? null : round(gflops / peak),
      ratioToOpenBLAS: null,
    });
  }
}
