// Child process of logprob.bench.ts: measures the peak extra resident memory of one way of
// computing log-probs from hidden states and the lm_head, in a fresh process so that
// nothing else shares the peak. Prints one JSON line.
//   node --import tsx benchmarks/logprob.memory.ts <fused-forward|fused-backward|naive-forward> N Dm V
// Peak extra = peak RSS during the op - RSS just before it (inputs already allocated and
// touched). On Linux the peak is VmHWM, reset just before the op through /proc/self/clear_refs
// (getrusage's maxRSS is not used there: it keeps the parent's peak across fork + exec).
import { readFileSync, writeFileSync } from 'node:fs';

import { linearLogprobsBackwardSync, linearLogprobsSync } from '../lib/engine/logprob.js';

function procStatusKb(field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakBytes(): number {
  const hwm = procStatusKb('VmHWM');
  return hwm !== undefined ? hwm * 1024 : process.resourceUsage().maxRSS * 1024;
}

const [mode, nArg, dmArg, vArg] = process.argv.slice(2);
const N = Number(nArg), Dm = Number(dmArg), V = Number(vArg);

const hidden = new Float32Array(N * Dm);
const weight = new Float32Array(V * Dm);
for (let k = 0; k < hidden.length; k++) hidden[k] = Math.sin(k) * 0.5;
for (let k = 0; k < weight.length; k++) weight[k] = Math.cos(k * 0.37) * 0.5;
const targets = Int32Array.from({ length: N }, (_, i) => (i * 7919) % V);
const H = { data: hidden, shape: [N, Dm] };
const W = { data: weight, shape: [V, Dm] };
// Load the addon and touch the code paths on a tiny problem first.
linearLogprobsSync({ data: hidden.subarray(0, Dm), shape: [1, Dm] }, { data: weight.subarray(0, 4 * Dm), shape: [4, Dm] },
  new Int32Array([0]));

function naiveForward(): number {
  // torch-style: logits = hidden @ weight.T materialized, log_softmax materialized, gather.
  const logits = new Float32Array(N * V);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < V; j++) {
      let acc = 0;
      for (let k = 0; k < Dm; k++) acc += hidden[i * Dm + k]! * weight[j * Dm + k]!;
      logits[i * V + j] = acc;
    }
  }
  const logSoftmax = new Float32Array(N * V);
  let check = 0;
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let j = 0; j < V; j++) m = Math.max(m, logits[i * V + j]!);
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[i * V + j]! - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < V; j++) logSoftmax[i * V + j] = logits[i * V + j]! - lse;
    check += logSoftmax[i * V + targets[i]!]!;
  }
  return check;
}

const peakReset = resetPeak();
const before = process.memoryUsage().rss;
let outputBytes = 0;
let check = 0;
if (mode === 'fused-forward') {
  const r = linearLogprobsSync(H, W, targets, { entropy: true });
  check = r.logp[0]!;
  outputBytes = 3 * N * 4;
} else if (mode === 'fused-backward') {
  const f = linearLogprobsSync(H, W, targets);
  const g = linearLogprobsBackwardSync(H, W, targets, f.lse, new Float32Array(N).fill(1), {
    gradEntropy: new Float32Array(N).fill(0.1),
  });
  check = g.gradHidden.data[0]!;
  outputBytes = 2 * N * 4 + (N * Dm + V * Dm) * 4;  // lse, logp + gradHidden, gradWeight
} else if (mode === 'naive-forward') {
  check = naiveForward();
  outputBytes = 0;
} else {
  throw new Error(`unknown mode ${mode}`);
}
const peak = peakBytes();
process.stdout.write(JSON.stringify({ mode, N, Dm, V, extraBytes: Math.max(0, peak - before), outputBytes, peakReset, check }) + '\n');
