// A folder laid out as the hub ships Qwen2.5-0.5B-Instruct (random weights, sharded BF16,
// Qwen2.5-style tokenizer files, written by qwen25-fixture.ts) loads with no option: the
// tokenizer and its stops from the folder, every tensor streamed. Then: generate, logprobs
// equal to generate's bit for bit, one GRPO step, save (sharded), reload with equal logprobs;
// corrupt shards and inconsistent index files give TxError naming the file and the tensor.
// Exact vocab (151,936) and hidden (896) shapes with 2 layers by default; the full 24 layers
// (0.5B parameters, about 8.5 GB: f32 weights + gradients + AdamW) with TOOLEXPANDER_HEAVY=1.
import { copyFile, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t, { type Test } from 'tap';

import { TxError } from '../../lib/index.js';
import { HfByteLevelBpe } from '../../lib/model/tokenizer/hf.js';
import { Qwen2Policy, TinyPolicy, qwen2ParamCount, resolveQwen2Config } from '../../lib/model/index.js';
import { openSafetensors } from '../../lib/model/safetensors-stream.js';
import { writeQwen25Folder } from './qwen25-fixture.js';

const HEAVY = process.env['TOOLEXPANDER_HEAVY'] === '1';
const LAYERS = HEAVY ? 24 : 2;
const OPTS = { maxBatchTokens: 128 };
const PROMPT = '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n';

async function rejectsTx(t: Test, p: Promise<unknown>, code: string, ...names: RegExp[]) {
  try {
    await p;
    t.fail('did not throw');
  } catch (e) {
    t.ok(e instanceof TxError, `TxError: ${(e as Error).message}`);
    t.equal((e as TxError).code, code);
    for (const n of names) t.match((e as Error).message, n);
  }
}

// Several GB go to disk (fixture, f32 shards, optimizer state, bf16 shards): minutes on a slow disk.
t.test(`Qwen2.5-0.5B-Instruct layout (${LAYERS} layers): load, generate, logprobs, train, save, reload`, { timeout: HEAVY ? 3_600_000 : 900_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'tx-qwen25-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const hub = join(root, 'Qwen2.5-0.5B-Instruct');
  const cfg = await writeQwen25Folder(hub, { layers: LAYERS, shardBytes: HEAVY ? 4e8 : 1.2e8 });
  const shards = (await readdir(hub)).filter((f) => f.endsWith('.safetensors'));
  t.ok(shards.length >= 2, `${shards.length} shards`);

  let memoryLine = '';
  const p = await TinyPolicy.load(hub, { ...OPTS, onMemory: (_, text) => (memoryLine = text) });
  t.ok(p instanceof Qwen2Policy, 'TinyPolicy is the Qwen2Policy');
  t.match(memoryLine, /parameters on cpu: .* GiB \(f32 weights/, `memory stated: ${memoryLine}`);
  t.equal(p.numParams, qwen2ParamCount(resolveQwen2Config(cfg)), 'parameter count as planned');
  t.ok(p.tokenizer instanceof HfByteLevelBpe, 'the folder\'s tokenizer.json');
  t.equal(p.tokenizer!.vocabSize, 151665);
  t.same([...p.tokenizerFiles!.stopIds].sort(), [151643, 151645], 'stops: <|im_end|> (eos) and <|endoftext|>');
  t.equal(p.tokenizerFiles!.padId, 151643);

  const [rollout] = (await p.generate([PROMPT], { n: 1, maxTokens: 6, seed: 3 }))[0]!;
  t.equal(rollout!.tokens.length, rollout!.logp.length);
  t.ok(rollout!.tokens.length > 0);
  const [lp] = await p.logprobs([{ prompt: PROMPT, completion: rollout!.tokens }]);
  t.same(Array.from(lp!), Array.from(rollout!.logp), 'logprobs equal generate\'s, bit for bit');

  const stats = await p.trainStep({ sequences: [{ prompt: PROMPT, completion: rollout!.tokens, advantage: 1, oldLogp: rollout!.logp }] }, {}, 1e-4);
  t.ok(Number.isFinite(stats.loss) && stats.gradNorm > 0 && stats.step === 1, `one GRPO step: loss ${stats.loss}, grad norm ${stats.gradNorm}`);
  const [after] = await p.logprobs([{ prompt: PROMPT, completion: rollout!.tokens }]);
  t.not(Array.from(after!).join(), Array.from(lp!).join(), 'the step changed the model');

  const out = join(root, 'trained');
  await p.save(out, { shardBytes: HEAVY ? 5e8 : 2e8 });
  p.dispose();
  const files = await readdir(out);
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors.index.json', 'optimizer.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
    t.ok(files.includes(f), `wrote ${f}`);
  }
  t.equal(await readFile(join(out, 'tokenizer.json'), 'utf8'), await readFile(join(hub, 'tokenizer.json'), 'utf8'), 'tokenizer.json copied verbatim');
  t.equal(await readFile(join(out, 'generation_config.json'), 'utf8'), await readFile(join(hub, 'generation_config.json'), 'utf8'));
  const outCfg = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  t.match(outCfg, { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, eos_token_id: 151645, bos_token_id: 151643, torch_dtype: 'float32' });
  const q = await Qwen2Policy.load(out, OPTS);
  const [again] = await q.logprobs([{ prompt: PROMPT, completion: rollout!.tokens }]);
  t.same(Array.from(again!), Array.from(after!), 'reloaded: equal logprobs, bit for bit');
  t.equal(q.state().step, 1, 'optimizer step restored');

  // BF16, as the hub ships: every weight bf16 on disk, loads back.
  const bf = join(root, 'bf16');
  await q.save(bf, { dtype: 'bf16', optimizer: false, shardBytes: HEAVY ? 5e8 : 2e8 });
  q.dispose();
  const idx = JSON.parse(await readFile(join(bf, 'model.safetensors.index.json'), 'utf8'));
  const first = await openSafetensors(join(bf, Object.values(idx.weight_map as Record<string, string>)[0]!));
  t.ok(first.entries.every((e) => e.dtype === 'BF16'), 'BF16 shards');
  await first.close();
  t.equal(JSON.parse(await readFile(join(bf, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
  const r = await Qwen2Policy.load(bf, OPTS);
  const [lb] = await r.logprobs([{ prompt: PROMPT, completion: rollout!.tokens }]);
  t.ok(lb!.every((x, i) => Math.abs(x - after![i]!) < 0.05), 'bf16 logprobs close to f32');
  r.dispose();
});

t.test('corrupt or truncated shards and inconsistent index files: TxError naming the file and tensor', { timeout: 600_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'tx-qwen25-bad-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const hub = join(root, 'hub');
  await writeQwen25Folder(hub, { layers: 1, shardBytes: 1e8 });
  const indexPath = join(hub, 'model.safetensors.index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8'));
  const map = index.weight_map as Record<string, string>;
  const shard = map['model.norm.weight']!;
  const backup = join(root, 'backup');
  await copyFile(join(hub, shard), backup);
  const restore = async () => {
    await copyFile(backup, join(hub, shard));
    await writeFile(indexPath, JSON.stringify(index));
  };

  // Truncated shard: the header still parses, the last tensor's data is cut.
  await truncate(join(hub, shard), (await stat(join(hub, shard))).size - 100);
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', new RegExp(shard), /model\.norm\.weight/, /truncated/);
  await restore();
  // Truncated inside the header.
  await truncate(join(hub, shard), 50);
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', new RegExp(shard), /truncated/);
  await restore();
  // A header that is not JSON.
  const buf = await readFile(join(hub, shard));
  buf[8] = 0x78;  // the JSON's opening brace
  await writeFile(join(hub, shard), buf);
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', new RegExp(shard), /header/);
  await restore();
  // Index puts a tensor in a shard that does not hold it.
  const other = Object.values(map).find((f) => f !== shard)!;
  await writeFile(indexPath, JSON.stringify({ ...index, weight_map: { ...map, 'model.norm.weight': other } }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /model\.safetensors\.index\.json/, /model\.norm\.weight/, new RegExp(other));
  // Index misses a tensor a shard holds.
  const { ['model.norm.weight']: _gone, ...rest } = map;
  await writeFile(indexPath, JSON.stringify({ ...index, weight_map: rest }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /index\.json/, /model\.norm\.weight/, /does not list it/);
  // Index names a shard that is not there.
  await writeFile(indexPath, JSON.stringify({ ...index, weight_map: { ...map, 'model.norm.weight': 'model-00009-of-00009.safetensors' } }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /index\.json/, /model-00009-of-00009/, /model\.norm\.weight/);
  // A path outside the folder.
  await writeFile(indexPath, JSON.stringify({ ...index, weight_map: { ...map, 'model.norm.weight': '../x.safetensors' } }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /model\.norm\.weight/, /not a \.safetensors file name/);
  // total_size disagreeing with the shards.
  await writeFile(indexPath, JSON.stringify({ ...index, metadata: { total_size: 12 } }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /total_size/);
  await restore();

  // config.json options the engine does not implement are refused, naming the field.
  const cfgPath = join(hub, 'config.json');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  for (const [over, field] of [
    [{ architectures: ['LlamaForCausalLM'] }, 'architectures'], [{ use_sliding_window: true }, 'use_sliding_window'],
    [{ rope_scaling: { type: 'yarn', factor: 4 } }, 'rope_scaling'], [{ model_type: 'qwen2_moe' }, 'model_type'],
    [{ hidden_act: 'gelu' }, 'hidden_act'], [{ some_new_option: 1 }, 'some_new_option'], [{ head_dim: 128 }, 'head_dim'],
  ] as const) {
    await writeFile(cfgPath, JSON.stringify({ ...cfg, ...over }));
    await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /config\.json/, new RegExp(field));
  }
  await writeFile(cfgPath, JSON.stringify(cfg));
  // tokenizer_config.json naming an eos token tokenizer.json lacks.
  const tcPath = join(hub, 'tokenizer_config.json');
  const tc = JSON.parse(await readFile(tcPath, 'utf8'));
  await writeFile(tcPath, JSON.stringify({ ...tc, eos_token: '<|no_such|>' }));
  await rejectsTx(t, Qwen2Policy.load(hub, OPTS), 'E_FORMAT', /tokenizer_config\.json/, /eos_token/);
  await writeFile(tcPath, JSON.stringify(tc));

  // Memory stated before allocating: E_OOM says what was needed and what fits.
  await rejectsTx(t, Qwen2Policy.load(hub, { ...OPTS, memoryLimit: 2 ** 30 }), 'E_OOM', /needs .* GiB/, /1\.00 GiB is available/, /fits about \d+M parameters/);
});
