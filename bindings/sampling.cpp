// Binding of sample: tokens allocated on the JS thread on the device of logits.
//   sample[Sync](logits, vocab, seqIds, positions, seed, temperature, topK, topP) -> Int32Array | DeviceBuffer
#include <cmath>
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/sampling.h"

namespace txn {

namespace {

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::SampleArgs a;
  a.logits = vector_arg(env, info[0], "logits", tx::DType::kF32);
  const double vocab = number_arg(env, info[1], "vocab");
  if (!(vocab >= 1 && vocab <= 2147483647.0) || vocab != std::floor(vocab)) {
    throw_error(env, tx::Code::kRange, "vocab must be an integer in [1, 2^31-1], got " + std::to_string(vocab));
  }
  a.vocab = static_cast<int64_t>(vocab);
  a.seq_ids = vector_arg(env, info[2], "seqIds", tx::DType::kI32);
  a.positions = vector_arg(env, info[3], "positions", tx::DType::kI32);
  const double seed = number_arg(env, info[4], "opts.seed");
  if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != std::floor(seed)) {
    throw_error(env, tx::Code::kRange, "opts.seed must be an integer in [0, 2^53], got " + std::to_string(seed));
  }
  a.seed = static_cast<uint64_t>(seed);
  a.temperature = number_arg(env, info[5], "opts.temperature");
  a.top_k = int_arg(env, info[6], "opts.topK");
  a.top_p = number_arg(env, info[7], "opts.topP");
  std::shared_ptr<std::vector<int32_t>> seq, pos;
  a.seq_ids = snapshot_i32(a.seq_ids, seq);
  a.positions = snapshot_i32(a.positions, pos);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_sample_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  const int64_t rows = a.logits.numel() / a.vocab;
  a.tokens = new_output(env, job, "tokens", a.logits, {rows}, tx::DType::kI32);
  keep_inputs(info, job, 8);
  job.compute = [a, seq, pos] { return tx::sample(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"sample", async_entry<prepare>},
    {"sampleSync", sync_entry<prepare>},
};

}  // namespace txn
