// CPU SGEMM GFLOP/s at 512, 1024, 2048 (square, no transpose), as a ratio to OpenBLAS sgemm
// measured in the same run (docs/kernels.md section 7), and to the theoretical peak.
//
// The peer: native/cpu/bench_openblas.cpp dlopen()s libopenblas (no build dependency),
// unsets OPENBLAS_CORETYPE first so OpenBLAS picks its best kernel for this CPU, and gives
// it the engine's thread count. This machine is shared, so the two are measured
// interleaved: rounds of (ours, pause, OpenBLAS, pause), each a median of a few calls; the
// pause lets each library's waiting threads (OpenBLAS workers spin after a call) go idle
// before the other runs. ratioToOpenBLAS is the median over rounds of the ratio within a
// round (neighbours in time see the same load); GFLOPs columns are medians over rounds, and
// the best-of columns show what each reached when the machine was quietest.
//
// Peak: clock x 2 FMA units x 16 f32 lanes x 2 flops x threads. The clock is the highest
// "cpu MHz" /proc/cpuinfo reports now, and "2 FMA units" is an assumption (some AVX-512
// parts have one): both are printed. On a VM that reports the nominal clock while the core
// boosts, ratioToPeak can exceed 1 (OpenBLAS did here: ~340 GFLOP/s vs a 268 "peak").
import { existsSync, readFileSync } from 'node:fs';

import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import { native } from '../lib/engine/native.js';
import { round, time, type Harness } from './harness.js';

export const family = 'gemm';

function clockGHz(): number | undefined {
  if (!existsSync('/proc/cpuinfo')) return undefined;
  const mhz = [...readFileSync('/proc/cpuinfo', 'utf8').matchAll(/cpu MHz\s*:\s*([\d.]+)/g)].map((m) => Number(m[1]));
  return mhz.length ? Math.max(...mhz) / 1000 : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export async function run(h: Harness): Promise<void> {
  const report = devices();
  const threads = report.cpu.threads;
  const ghz = clockGHz();
  const lanes = report.cpu.simd === 'avx512' ? 16 : report.cpu.simd === 'avx2' ? 8 : 4;
  const peak = ghz === undefined ? undefined : ghz * 2 * lanes * 2 * threads;
  const addon = native();
  const peer = addon.benchOpenblasInfo();
  if (peer.found) {
    console.log(`gemm: peer OpenBLAS ${peer.library} (core ${peer.core || '?'}; ${peer.config}) on ${threads} threads, OPENBLAS_CORETYPE unset`);
  } else {
    console.log(`gemm: OpenBLAS not available (${peer.reason}): ratioToOpenBLAS is null, reporting the ratio to theoretical peak only`);
  }
  if (peak !== undefined) console.log(`gemm: peak = ${ghz!.toFixed(2)} GHz x 2 FMA x ${lanes} lanes x 2 x ${threads} threads = ${round(peak)} GFLOP/s`);
  for (const size of [512, 1024, 2048]) {
    const a = new Float32Array(size * size).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const b = new Float32Array(size * size).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const c = new Float32Array(size * size), cPeer = new Float32Array(size * size);
    const repeats = size >= 2048 ? 3 : 5, rounds = 5;
    const ours: number[] = [], theirs: number[] = [];
    let oursMin = Infinity, theirsMin = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t = time(() => gemmSync(a, b, c, size, size, size), { warmup: 1, repeats, minMs: 0 });
      ours.push(t.medianMs);
      oursMin = Math.min(oursMin, t.minMs);
      if (!peer.found) continue;
      pause(150);
      const p = time(() => addon.benchOpenblasSgemm(a, b, cPeer, size, size, size), { warmup: 1, repeats, minMs: 0 });
      theirs.push(p.medianMs);
      theirsMin = Math.min(theirsMin, p.minMs);
      pause(150);
    }
    const gflops = (ms: number) => (2 * size ** 3) / (ms * 1e6);
    const ourG = gflops(median(ours));
    const peerG = peer.found ? gflops(median(theirs)) : null;
    const pairedRatio = peer.found ? median(ours.map((ms, r) => theirs[r]! / ms)) : null;
    h.add(family, {
      size,
      threads,
      medianMs: round(median(ours)),
      GFLOPs: round(ourG),
      bestGFLOPs: round(gflops(oursMin)),
      openblasGFLOPs: peerG === null ? null : round(peerG),
      openblasBestGFLOPs: peer.found ? round(gflops(theirsMin)) : null,
      ratioToOpenBLAS: pairedRatio === null ? null : round(pairedRatio),
      ratioToPeak: peak === undefined ? null : round(ourG / peak),
    });
  }
}
