// Embedding (docs/kernels.md section 11): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/embedding.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/embedding.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/model_ops.h"
#endif

namespace tx {

namespace {

// The embedding backward's output is vocab * dim floats whatever the input sizes (an empty
// ids list may name any vocab): both are held to the model config's limits (vocab_size
// <= 2^24, hidden_size <= 2^16), so that two numbers cannot ask for gigabytes.
Status embedding_dims(int64_t vocab, int64_t dim) {
  TX_RETURN_IF_ERROR(check::dim(vocab, "vocab", 1, int64_t{1} << 24, "2^24"));
  return check::dim(dim, "dim", 1, int64_t{1} << 16, "2^16");
}

}  // namespace

Status validate_embedding_inputs(const EmbeddingArgs& a) {
  TX_RETURN_IF_ERROR(embedding_dims(a.vocab, a.dim));
  TX_RETURN_IF_ERROR(check::product(a.vocab, a.dim, "vocab * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.weight, "weight", DType::kF32, a.vocab * a.dim));
  TX_RETURN_IF_ERROR(check::vector(a.ids, "ids", DType::kI32));
  TX_RETURN_IF_ERROR(check::indices(a.ids, "ids", a.ids.numel(), 0, a.vocab, "vocab"));
  TX_RETURN_IF_ERROR(check::product(a.ids.numel(), a.dim, "ids.length * dim"));
  return ops::usable_device(a.weight, "weight");
}

Status embedding(const EmbeddingArgs& a) {
  TX_RETURN_IF_ERROR(validate_embedding_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.out, "out", a.ids.numel() * a.dim, a.weight, "weight"));
  return ops::dispatch(a.weight, "weight", [&] { cpu::embedding(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::embedding(a, nullptr)); });
}

Status validate_embedding_backward_inputs(const EmbeddingBackwardArgs& a) {
  TX_RETURN_IF_ERROR(embedding_dims(a.vocab, a.dim));
  TX_RETURN_IF_ERROR(check::product(a.vocab, a.dim, "vocab * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.ids, "ids", DType::kI32));
  TX_RETURN_IF_ERROR(check::indices(a.ids, "ids", a.ids.numel(), 0, a.vocab, "vocab"));
  TX_RETURN_IF_ERROR(check::product(a.ids.numel(), a.dim, "ids.length * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.grad_out, "gradOut", DType::kF32, a.ids.numel() * a.dim));
  return ops::usable_device(a.grad_out, "gradOut");
}

Status embedding_backward(const EmbeddingBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_embedding_backward_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_weight, "gradWeight", a.vocab * a.dim, a.grad_out, "gradOut"));
  return ops::dispatch(a.grad_out, "gradOut", [&] { cpu::embedding_backward(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::embedding_backward(a, nullptr)); });
}

}  // namespace tx
