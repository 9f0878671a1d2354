// Bindings of embedding / embeddingBackward (weights/grads host or device; ids host).
//   embedding[Sync](weight, ids, vocab, dim) -> { out }
//   embeddingBackward[Sync](gradOut, ids, vocab, dim) -> { gradWeight }
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/embedding.h"

namespace txn {

namespace {

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::EmbeddingArgs a;
  a.weight = vector_arg(env, info[0], "weight", tx::DType::kF32);
  a.ids = vector_arg(env, info[1], "ids", tx::DType::kI32);
  a.vocab = int_arg(env, info[2], "vocab");
  a.dim = int_arg(env, info[3], "dim");
  std::shared_ptr<std::vector<int32_t>> ids;
  a.ids = snapshot_i32(a.ids, ids);
  throw_if_error(env, tx::validate_embedding_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.weight, {a.ids.numel() * a.dim}, tx::DType::kF32);
  keep_inputs(info, job, 1);
  job.compute = [a, ids] { return tx::embedding(a); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::EmbeddingBackwardArgs a;
  a.grad_out = vector_arg(env, info[0], "gradOut", tx::DType::kF32);
  a.ids = vector_arg(env, info[1], "ids", tx::DType::kI32);
  a.vocab = int_arg(env, info[2], "vocab");
  a.dim = int_arg(env, info[3], "dim");
  std::shared_ptr<std::vector<int32_t>> ids;
  a.ids = snapshot_i32(a.ids, ids);
  throw_if_error(env, tx::validate_embedding_backward_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.grad_weight = new_output(env, job, "gradWeight", a.grad_out, {a.vocab * a.dim}, tx::DType::kF32);
  keep_inputs(info, job, 1);
  job.compute = [a, ids] { return tx::embedding_backward(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"embedding", async_entry<prepare_forward>},
    {"embeddingSync", sync_entry<prepare_forward>},
    {"embeddingBackward", async_entry<prepare_backward>},
    {"embeddingBackwardSync", sync_entry<prepare_backward>},
};

}  // namespace txn
