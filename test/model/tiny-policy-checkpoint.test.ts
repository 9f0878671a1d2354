// Checkpoints: round trip bit-exact (weights, optimizer state, outputs, further training),
// Hugging Face names + config.json; bad configs and corrupt files give TxError.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t, { type Test } from 'tap';

import { TxError } from '../../lib/index.js';
import { TinyPolicy, readSafetensors, tensorFrom, writeSafetensors } from '../../lib/model/index.js';
import { trainBpe } from '../../lib/model/tokenizer/index.js';
import { randomBatch, sameBits, tiny } from './tiny-policy-helpers.js';

async function expectTx(t: Test, p: Promise<unknown>, code: string, names: string, label: string) {
  try {
    await p;
    t.fail(`${label}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError, `${label}: is a TxError (${(e as Error).message})`);
    t.equal((e as TxError).code, code, `${label}: code`);
    t.match((e as Error).message, names, `${label}: names ${names}`);
  }
}

t.test('save -> load is bit-exact, and training continues identically', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tinypolicy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const tie of [true, false]) {
    const tok = trainBpe(['{"name": "get_weather", "arguments": {"city": "Paris"}}', 'hello world'], { vocabSize: 300 });
    const a = await TinyPolicy.create(tiny({ vocab_size: 300, tie_word_embeddings: tie }), { seed: 4, tokenizer: tok });
    const batch = randomBatch(3, [10, 6], 300);
    await a.sftStep(batch, 1e-2);
    await a.save(dir);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    t.equal(cfg.model_type, 'qwen2');
    t.equal(cfg.tie_word_embeddings, tie);
    const names = [...(await readSafetensors(join(dir, 'model.safetensors'))).tensors.keys()];
    t.ok(names.includes('model.layers.1.self_attn.k_proj.bias') && names.includes('model.embed_tokens.weight'), 'HF Qwen2 names');
    t.equal(names.includes('lm_head.weight'), !tie, 'lm_head stored only when untied');
    const b = await TinyPolicy.load(dir);
    t.ok(b.tokenizer !== undefined, 'tokenizer.json loaded');
    const sa = a.state(), sb = b.state();
    t.ok(sameBits(sa.params, sb.params) && sameBits(sa.expAvg, sb.expAvg) && sameBits(sa.expAvgSq, sb.expAvgSq), 'weights and moments');
    t.equal(sb.step, sa.step, 'step');
    t.ok(sameBits(a.forwardLogprobsSync(batch).logp, b.forwardLogprobsSync(batch).logp), 'same logp');
    await a.sftStep(batch, 1e-2);
    await b.sftStep(batch, 1e-2);
    t.ok(sameBits(a.state().params, b.state().params), 'identical after one more step');
    a.dispose();
    b.dispose();
  }
});

t.test('bad configs and corrupt checkpoints give TxError', async (t) => {
  const bad: [Record<string, unknown>, string][] = [
    [{ hidden_size: 30 }, 'num_attention_heads'],
    [{ num_key_value_heads: 3 }, 'num_key_value_heads'],
    [{ vocab_size: 0 }, 'vocab_size'],
    [{ hidden_size: 2.5 }, 'hidden_size'],
    [{ rope_theta: -1 }, 'rope_theta'],
    [{ intermediate_size: undefined }, 'intermediate_size'],
    [{ hidden_size: 12, num_attention_heads: 4, num_key_value_heads: 4 }, 'even'],
  ];
  for (const [over, name] of bad) await expectTx(t, TinyPolicy.create({ ...tiny(), ...over } as never), 'E_RANGE', name, JSON.stringify(over));

  const dir = await mkdtemp(join(tmpdir(), 'tinypolicy-bad-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const p = await TinyPolicy.create(tiny(), { seed: 1 });
  await p.save(dir);
  const file = join(dir, 'model.safetensors');
  const good = await readFile(file);
  await writeFile(file, good.subarray(0, good.length - 10));
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'model.safetensors', 'truncated');
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3]! ^= 0xff;
  await writeFile(file, flipped);
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'checksum', 'flipped data byte');
  const tensors = (await readSafetensors(join(dir, 'optimizer.safetensors'))).tensors;
  t.equal(tensors.size, 2 * p.parameters().size, 'AdamW moments per parameter');
  await writeFile(file, good);
  const content = (await readSafetensors(file)).tensors;
  const norm = content.get('model.norm.weight')!;
  content.delete('model.norm.weight');
  await writeSafetensors(file, content);
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'model.norm.weight is missing', 'missing tensor');
  content.set('model.norm.weight', tensorFrom('F32', [8, 2], norm.data));
  await writeSafetensors(file, content);
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'model.norm.weight has shape [8, 2]', 'wrong shape');
  await writeFile(join(dir, 'config.json'), '{"hidden_size": ');
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'config.json', 'bad JSON');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...tiny(), num_hidden_layers: -1 }));
  await expectTx(t, TinyPolicy.load(dir), 'E_FORMAT', 'num_hidden_layers', 'bad config value');
  p.dispose();
  t.throws(() => p.forwardLogprobsSync(randomBatch(1, [3], 13)), /disposed/, 'disposed model: E_STATE');
});
