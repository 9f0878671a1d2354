// The shipped checkpoint's log-probs from the native tool tx_model_logprobs (no Node), to
// check a cross-built engine (e.g. aarch64 under qemu-user, .ci/run) against this machine.
//   npx tsx scripts/model-logprob-check.ts export <dir>   writes model.cfg, params.f32,
//       tokens.i32, cu_seqlens.i32 (tx_model_logprobs' inputs) and logp_ref.f32, the log-probs
//       this machine's addon computes for them
//   npx tsx scripts/model-logprob-check.ts compare <dir> [tolerance]   compares the tool's
//       logp_cpu.f32 with logp_ref.f32: prints the largest difference, exit 1 when any
//       |diff| > tolerance * (1 + |ref|) (log-probs reach -20: an absolute bound would be too tight)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { WEAK_SFT_DIR } from '../lib/model/shipped.js';
import { TinyPolicy } from '../lib/model/tiny-policy.js';

const [cmd, dir, tol] = process.argv.slice(2);
if ((cmd !== 'export' && cmd !== 'compare') || dir === undefined) {
  console.error('usage: model-logprob-check.ts export <dir> | compare <dir> [tolerance]');
  process.exit(2);
}
const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

if (cmd === 'export') {
  mkdirSync(dir, { recursive: true });
  const policy = await TinyPolicy.load(WEAK_SFT_DIR);
  const c = policy.config;
  writeFileSync(join(dir, 'model.cfg'), Object.entries(c).map(([k, v]) => `${k} ${typeof v === 'boolean' ? Number(v) : v}`).join('\n') + '\n');
  writeFileSync(join(dir, 'params.f32'), policy.state().params);
  // Three sequences of real text (prompt-like), lengths not multiples of any tile.
  const texts = ['Call get_weather with city=Paris and unit=celsius.', 'What is 17 times 23? Use the calculator.', 'hi'];
  const seqs = texts.map((s) => Int32Array.from(policy.tokenizer!.encode(s)));
  const tokens = Int32Array.from(seqs.flatMap((s) => Array.from(s)));
  const cu = Int32Array.from([0, ...seqs.map((_, i) => seqs.slice(0, i + 1).reduce((a, s) => a + s.length, 0))]);
  const mask = new Uint8Array(tokens.length).fill(1);
  for (const start of cu.subarray(0, -1)) mask[start] = 0;
  writeFileSync(join(dir, 'tokens.i32'), tokens);
  writeFileSync(join(dir, 'cu_seqlens.i32'), cu);
  const { logp } = await policy.forwardLogprobs({ tokens, cuSeqlens: cu, mask });
  writeFileSync(join(dir, 'logp_ref.f32'), logp);
  console.log(`exported ${tokens.length} tokens, ${policy.numParams} parameters to ${dir}`);
  policy.dispose();
} else {
  const ref = f32(join(dir, 'logp_ref.f32')), got = f32(join(dir, 'logp_cpu.f32'));
  if (ref.length !== got.length) {
    console.error(`logp_cpu.f32 has ${got.length} values, logp_ref.f32 ${ref.length}`);
    process.exit(1);
  }
  const limit = Number(tol ?? 1e-5);
  let worst = 0, worstScaled = 0, identical = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ref[i]! - got[i]!);
    worst = Math.max(worst, d);
    worstScaled = Math.max(worstScaled, d / (1 + Math.abs(ref[i]!)));
    if (Object.is(ref[i], got[i])) identical++;
  }
  console.log(`model log-probs: max |diff| ${worst.toExponential(2)}, max |diff| / (1 + |ref|) ${worstScaled.toExponential(2)} ` +
    `over ${ref.length} tokens (${identical} bit-identical), tolerance ${limit}`);
  process.exit(worstScaled <= limit && !Number.isNaN(worstScaled) ? 0 : 1);
}
