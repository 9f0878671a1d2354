// Checks what `toolexpander demo` wrote: report.html with the two arms' charts and table,
// summary.json, and each run's metrics.jsonl with the step and eval fields of
// docs/metrics.md. Exits 1 naming the first thing missing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
const fail = (msg) => { console.error(`check-demo: ${msg}`); process.exit(1); };
if (!out) fail('usage: node .ci/check-demo.mjs DEMO_DIR');

const html = existsSync(join(out, 'report.html')) ? readFileSync(join(out, 'report.html'), 'utf8') : fail('no report.html');
for (const want of ['<svg', 'grpo', 'toolexpander', 'class="summary"']) if (!html.includes(want)) fail(`report.html lacks ${want}`);

const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
const arms = summary.arms.map((a) => a.arm).join(',');
if (arms !== 'grpo,toolexpander') fail(`summary.json arms are ${arms}`);

const STEP = ['step', 'rewardMean', 'accuracy', 'hardRate', 'dataUtilization', 'extraRollouts', 'loss', 'lossVariance', 'entropy', 'kl', 'lr', 'setRate'];
const EVAL = ['step', 'accuracy', 'splits'];
for (const arm of ['grpo', 'toolexpander']) {
  const path = join(out, `${arm}-s0`, 'metrics.jsonl');
  if (!existsSync(path)) fail(`no ${path}`);
  const recs = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const steps = recs.filter((r) => r.type === 'step');
  const evals = recs.filter((r) => r.type === 'eval');
  if (steps.length !== summary.steps) fail(`${arm}: ${steps.length} step records, expected ${summary.steps}`);
  if (evals.length < 2) fail(`${arm}: ${evals.length} eval records, expected the start and the end`);
  for (const f of STEP) if (!(f in steps[0])) fail(`${arm}: step record lacks ${f}`);
  for (const f of EVAL) if (!(f in evals[0])) fail(`${arm}: eval record lacks ${f}`);
  console.log(`check-demo: ${arm}: ${steps.length} steps, final held-out accuracy ${evals.at(-1).accuracy.toFixed(3)}`);
}
console.log(`check-demo: ok (${out})`);
