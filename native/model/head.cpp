#include "model/head.h"

#include "cpu/parallel.h"
#include "model/linear.h"

namespace tx::model {

Status head_forward(const Head& h, float* logp, float* entropy, float* lse) {
  if (head_materializes(h.vocab)) {
    TX_RETURN_IF_ERROR(linear(h.hidden, h.weight, nullptr, h.logits, h.n, h.d, h.vocab));
    LogprobsArgs a;
    a.logits = fmat(h.logits, h.n, h.vocab), a.targets = ivec(h.targets, h.n);
    a.logp = fvec(logp, h.n), a.lse = fvec(lse, h.n);
    if (entropy != nullptr) a.entropy = fvec(entropy, h.n);
    return logprobs(a);
  }
  LinearLogprobsArgs a;
  a.hidden = fmat(h.hidden, h.n, h.d), a.weight = fmat(h.weight, h.vocab, h.d), a.targets = ivec(h.targets, h.n);
  a.logp = fvec(logp, h.n), a.lse = fvec(lse, h.n);
  if (entropy != nullptr) a.entropy = fvec(entropy, h.n);
  return linear_logprobs(a);
}

Status head_backward(const Head& h, const float* lse, const float* grad_logp, float* grad_hidden, float* grad_weight,
                     float* weight_scratch) {
  if (head_materializes(h.vocab)) {
    LogprobsBackwardArgs b;
    b.logits = fmat(h.logits, h.n, h.vocab), b.targets = ivec(h.targets, h.n), b.lse = fvec(lse, h.n);
    b.grad_logp = fvec(grad_logp, h.n), b.grad_logits = b.logits;  // in place
    TX_RETURN_IF_ERROR(logprobs_backward(b));
    TX_RETURN_IF_ERROR(linear_grad_input(h.logits, h.weight, grad_hidden, h.n, h.d, h.vocab, false));
    return linear_grad_weight(h.logits, h.hidden, grad_weight, nullptr, h.n, h.d, h.vocab);
  }
  LinearLogprobsBackwardArgs b;
  b.hidden = fmat(h.hidden, h.n, h.d), b.weight = fmat(h.weight, h.vocab, h.d), b.targets = ivec(h.targets, h.n);
  b.lse = fvec(lse, h.n), b.grad_logp = fvec(grad_logp, h.n);
  b.grad_hidden = fmat(grad_hidden, h.n, h.d), b.grad_weight = fmat(weight_scratch, h.vocab, h.d);
  TX_RETURN_IF_ERROR(linear_logprobs_backward(b));
  const int64_t total = h.vocab * h.d;
  cpu::parallel_for(total, 1 << 14, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) grad_weight[i] += weight_scratch[i];
  });
  return Status::ok();
}

}  // namespace tx::model
