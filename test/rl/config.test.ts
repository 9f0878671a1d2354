import { readFileSync } from 'node:fs';
import t from 'tap';

import { TxError } from '../../lib/errors.js';
import { DEFAULTS, lossConfig, PRESETS, resolveTrainConfig, trainConfigSchema, validateTrainConfig, PRESET_NAMES } from '../../lib/rl/index.js';

t.test('schemas/train-config.schema.json is the schema the code uses', async (t) => {
  const file = JSON.parse(readFileSync(new URL('../../schemas/train-config.schema.json', import.meta.url), 'utf8')) as unknown;
  t.same(file, JSON.parse(JSON.stringify(trainConfigSchema)), 'regenerate with npx tsx test/fixtures/write-train-schema.ts');
});

t.test('presets give the loss settings of docs/method.md section 7', async (t) => {
  const loss = (p: (typeof PRESET_NAMES)[number]) => lossConfig(resolveTrainConfig(p));
  t.same(loss('grpo'), { clipLow: 0.2, clipHigh: 0.2, dualClip: 0, klCoef: 1e-3, klType: 'k3', aggregation: 'token-mean' }, 'grpo: KL k3 1e-3, clip 0.2/0.2');
  for (const p of ['toolexpander', 'toolexpander-no-set', 'toolexpander-no-hs', 'dapo-filter', 'toolexpander-transfer'] as const) {
    t.same(loss(p), { clipLow: 0.2, clipHigh: 0.28, dualClip: 0, klCoef: 0, klType: 'k3', aggregation: 'token-mean' }, `${p}: no KL, clip-higher 0.28`);
  }
  const c = Object.fromEntries(PRESET_NAMES.map((p) => [p, resolveTrainConfig(p)]));
  t.equal(c['grpo']?.lrSchedule, 'constant');
  t.equal(c['toolexpander']?.lrSchedule, 'exponential');
  t.same(PRESET_NAMES.map((p) => c[p]?.hardSampling.enabled), [false, true, true, false, false, true], 'hard sampling on in toolexpander, no-set and transfer');
  t.same(PRESET_NAMES.map((p) => c[p]?.dynamicSampling.enabled), [false, false, false, false, true, false], 'dynamic sampling in dapo-filter only');
  t.same(PRESET_NAMES.map((p) => c[p]?.reward.setBonus), [0, 0.01, 0, 0.01, 0.01, 0.01], 'SET bonus 0.01 except grpo and no-set');
  t.same(PRESET_NAMES.map((p) => c[p]?.hardSampling.trainOn), ['demo', 'demo', 'demo', 'demo', 'demo', 'plain'], 'rescued groups trained under the plain prompt in transfer only');
  t.equal(c['toolexpander-transfer']?.hardSampling.isCap, 2);
  t.equal(c['toolexpander']?.reward.setGate, 'correct');
  t.same(c['toolexpander']?.hardSampling.shots, [1, 2], 'R = 2 rounds with 1 then 2 demos');
  t.equal(Object.keys(PRESETS).length, 6);
});

t.test('overrides: file over preset over defaults, nested objects merge, data sources replace', async (t) => {
  const c = resolveTrainConfig('grpo', { steps: 7, loss: { clipHigh: 0.3 }, data: { source: 'synthetic', trainSize: 50 } });
  t.equal(c.steps, 7);
  t.equal(c.loss.clipHigh, 0.3);
  t.equal(c.loss.klCoef, 1e-3, 'the rest of the preset loss stays');
  t.same(c.data, { ...DEFAULTS.data, trainSize: 50 }, 'same source: refined');
  const j = resolveTrainConfig('grpo', { data: { source: 'jsonl', train: 'x.jsonl' } });
  t.same(j.data, { source: 'jsonl', train: 'x.jsonl' }, 'other source: replaced');
  t.equal(resolveTrainConfig('grpo', { preset: 'toolexpander' }).preset, 'toolexpander', 'a config file may name its preset');
});

t.test('invalid configs: TxError E_FORMAT naming the field', async (t) => {
  const bad: [unknown, RegExp][] = [
    [{ stepz: 3 }, /config\.stepz is not a known field/],
    [{ steps: 0 }, /config\.steps must be >= 1/],
    [{ loss: { klType: 'k9' } }, /config\.loss\.klType must be one of/],
    [{ groupSize: 1 }, /config\.groupSize/],
    [{ hardSampling: { shots: [] } }, /config\.hardSampling\.shots/],
    [{ hardSampling: { trainOn: 'hinted' } }, /config\.hardSampling\.trainOn must be one of \["demo","plain","both"\]/],
    [{ hardSampling: { isCap: 0.5 } }, /config\.hardSampling\.isCap must be >= 1/],
    [{ rolloutBudget: 0 }, /config\.rolloutBudget/],
    [{ data: { source: 'synthetic', trainValues: 'test' } }, /config\.data/],
    [{ preset: 'ppo' }, /config\.preset must be one of/],
    [{ data: { source: 'jsonl' } }, /config\.data/],
    [[], /config/],
  ];
  for (const [x, re] of bad) {
    try {
      validateTrainConfig(x);
      t.fail(`accepted ${JSON.stringify(x)}`);
    } catch (e) {
      t.ok(e instanceof TxError && e.code === 'E_FORMAT', `E_FORMAT for ${JSON.stringify(x)}`);
      t.match((e as Error).message, re);
    }
  }
  t.throws(() => resolveTrainConfig(undefined, { lr: -1 }), /config\.lr must be > 0/);
});
