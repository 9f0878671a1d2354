// What RL can exploit on the demo's fresh RL prompts: greedy accuracy, pass@8 and mean success
// at temperature 1, plain and with 2 demonstrations, per category, for a checkpoint.
// Usage: npx tsx scripts/experiments/learnability.mts [CHECKPOINT] [PROMPTS]
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { TinyPolicy } from '../../lib/model/tiny-policy.js';
import { buildPrompt, renderChatML } from '../../lib/toolexpander/prompt.js';
import { createDemoPool, selectDemos } from '../../lib/toolexpander/demos.js';
import { scoreRollout } from '../../lib/reward/score.js';
import { categoryOf } from '../../lib/rl/evaluate.js';
const ckpt = process.argv[2] ?? 'checkpoints/weak-sft';
const N = Number(process.argv[3] ?? 96), G = 8;
const s = syntheticSuite({ seed: 0, trainSize: N, trainFrom: 4000, trainValues: 'fresh', testSize: 10, testTemplatesSize: 1, testUnseenApisSize: 1 });
const pool = createDemoPool(syntheticSuite({ seed: 0, trainSize: 4000, testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 }).train);
const p = await TinyPolicy.load(ckpt, {});
const tasks = s.train;
const reasons: Record<string, number> = {};
for (const k of [0, 2]) {
  const prompts = tasks.map((t) => renderChatML(buildPrompt(t, { style: 'compact', demos: k ? selectDemos(pool, t, k, { seed: 0 }) : [] })));
  const greedy = await p.generate(prompts, { n: 1, temperature: 0, topK: 1, maxTokens: 128, seed: 0 });
  const samp = await p.generate(prompts, { n: G, temperature: 1, maxTokens: 128, seed: 1 });
  const cats: Record<string, { n: number; g: number; pass: number; mean: number }> = {};
  tasks.forEach((t, i) => {
    const c = categoryOf(t); const e = (cats[c] ??= { n: 0, g: 0, pass: 0, mean: 0 });
    e.n++;
    if (scoreRollout(greedy[i]![0]!.text, t, { matcher: 'exact', format: 'strict' }).base === 1) e.g++;
    const ok = samp[i]!.map((r) => { const sc = scoreRollout(r.text, t, { matcher: 'exact', format: 'strict' }); if (k === 0 && sc.base !== 1) reasons[sc.reason] = (reasons[sc.reason] ?? 0) + 1; return sc.base === 1; });
    if (ok.some(Boolean)) e.pass++;
    e.mean += ok.filter(Boolean).length / G;
  });
  console.log(`demos=${k}`);
  for (const [c, e] of Object.entries(cats)) console.log(`  ${c.padEnd(12)} n=${e.n} greedy=${(e.g / e.n).toFixed(2)} pass@${G}=${(e.pass / e.n).toFixed(2)} mean=${(e.mean / e.n).toFixed(3)}`);
  if (k === 0) { console.log('  fail reasons', reasons); console.log('  example:', tasks[0]!.messages.at(-1)!.content, '=>', samp[0]![0]!.text.slice(0, 200)); }
}
p.dispose();
