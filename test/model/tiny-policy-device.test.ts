// TinyPolicy on CUDA. Without a usable GPU (this machine, CI), device 'cuda' rejects with
// E_DEVICE naming the reason devices() reports, and never crashes. With one, the CUDA model
// matches the CPU model (same seed, hence the same weights) and its state round-trips.
import t from 'tap';

import { devices, TinyPolicy, TxError } from '../../lib/index.js';
import { native } from '../../lib/engine/native.js';
import { expectTxError } from '../helpers/expect-error.js';
import { randomBatch, tiny } from './tiny-policy-helpers.js';

// Head dim 64: the CUDA attention supports 64 and 128.
const cudaTiny = () => tiny({ vocab_size: 40, hidden_size: 128, intermediate_size: 96, num_attention_heads: 2, num_key_value_heads: 1 });
const cuda = devices().cuda;

t.test('device option of the native model', async (t) => {
  const PolicyModel = native().PolicyModel;
  for (const bad of ['tpu', 'cuda:', 'cuda:x', 'CUDA', 7]) {
    expectTxError(t, () => new PolicyModel(cudaTiny(), 0, 16, bad as never), 'E_RANGE', 'opts.device', `device ${String(bad)}`);
  }
  expectTxError(t, () => new PolicyModel(cudaTiny(), 0, 16, 'cpu', 'f16' as never), 'E_RANGE', 'opts.weights', "weights 'f16'");
  await t.rejects(TinyPolicy.create(cudaTiny(), { weights: 'bf16' }), { code: 'E_DEVICE', message: /bf16 weights need device 'cuda'/ }, 'bf16 weights on the CPU');
  const cpu = new PolicyModel(cudaTiny(), 0, 16, 'cpu');
  t.equal(cpu.numParams, new PolicyModel(cudaTiny(), 0, 16).numParams, "'cpu' is the default");
  cpu.dispose();
});

t.test('cuda without a usable GPU: E_DEVICE with the reason', { skip: cuda.usable ? 'a usable GPU is present' : false }, async (t) => {
  try {
    await TinyPolicy.create(cudaTiny(), { device: 'cuda' });
    t.fail('did not reject');
  } catch (e) {
    t.ok(e instanceof TxError, 'a TxError');
    t.equal((e as TxError).code, 'E_DEVICE');
    t.match((e as Error).message, /cuda/i);
    t.ok((e as Error).message.includes(cuda.reason ?? ''), `names the reason: ${(e as Error).message}`);
  }
  expectTxError(t, () => new (native().PolicyModel)(cudaTiny(), 0, 16, 'cuda:3'), 'E_DEVICE', 'cuda', 'cuda:N too');
  const p = await TinyPolicy.create(cudaTiny(), { seed: 1 });
  t.ok(p.numParams > 0, 'the CPU model still works after a refused CUDA model');
  p.dispose();
});

t.test('cuda model matches the cpu model', { skip: cuda.usable ? false : `no usable GPU: ${cuda.reason}` }, async (t) => {
  const onCpu = await TinyPolicy.create(cudaTiny(), { seed: 3 });
  const onGpu = await TinyPolicy.create(cudaTiny(), { seed: 3, device: 'cuda' });
  const b = randomBatch(5, [9, 17, 4], 40);
  const a = onCpu.forwardLogprobsSync(b), g = onGpu.forwardLogprobsSync(b);
  let err = 0;
  for (let i = 0; i < a.logp.length; i++) err = Math.max(err, Math.abs(a.logp[i]! - g.logp[i]!));
  t.ok(err < 1e-4, `logp within 1e-4 (max ${err})`);
  const s = onGpu.state();
  t.same(s.params, onCpu.state().params, 'same initial weights on both devices');
  // setState on CUDA writes device memory; getState reads it back.
  const params = onCpu.state().params.map((x) => x * 0.5);
  (onGpu as unknown as { handle: { setState(p: Float32Array): void } }).handle.setState(params);
  t.same(onGpu.state().params, params, 'setState -> getState round trip on CUDA');
  onCpu.dispose();
  onGpu.dispose();
  await t.rejects(TinyPolicy.create(tiny(), { device: 'cuda' }), { code: 'E_RANGE' }, 'head dim 4 is refused on CUDA');
});

