#include "model/head.h"

namespace tx::model {

Status head_forward(const Head& h, float* logp, float* entropy, float* lse) {
  const Place& pl = h.lc.place;
  if (head_materializes(h.vocab)) {
    TX_RETURN_IF_ERROR(linear(h.lc, h.hidden, h.weight, nullptr, h.logits, h.n, h.d, h.vocab));
    LogprobsArgs a;
    a.logits = fmat(pl, h.logits, h.n, h.vocab), a.targets = ivec(h.targets, h.n);
    a.logp = fvec(pl, logp, h.n), a.lse = fvec(pl, lse, h.n);
    if (entropy != nullptr) a.entropy = fvec(pl, entropy, h.n);
    return logprobs(a);
  }
  LinearLogprobsArgs a;
  a.hidden = fmat(pl, h.hidden, h.n, h.d), a.weight = fmat(pl, h.weight, h.vocab, h.d), a.targets = ivec(h.targets, h.n);
  a.logp = fvec(pl, logp, h.n), a.lse = fvec(pl, lse, h.n);
  if (entropy != nullptr) a.entropy = fvec(pl, entropy, h.n);
  return linear_logprobs(a);
}

Status head_backward(const Head& h, const float* lse, const float* grad_logp, float* grad_hidden, float* grad_weight,
                     float* weight_scratch) {
  const Place& pl = h.lc.place;
  if (head_materializes(h.vocab)) {
    LogprobsBackwardArgs b;
    b.logits = fmat(pl, h.logits, h.n, h.vocab), b.targets = ivec(h.targets, h.n), b.lse = fvec(pl, lse, h.n);
    b.grad_logp = fvec(pl, grad_logp, h.n), b.grad_logits = b.logits;  // in place
    TX_RETURN_IF_ERROR(logprobs_backward(b));
    TX_RETURN_IF_ERROR(linear_grad_input(h.lc, h.logits, h.weight, grad_hidden, h.n, h.d, h.vocab, false));
    return linear_grad_weight(h.lc, h.logits, h.hidden, grad_weight, nullptr, h.n, h.d, h.vocab);
  }
  LinearLogprobsBackwardArgs b;
  b.hidden = fmat(pl, h.hidden, h.n, h.d), b.weight = fmat(pl, h.weight, h.vocab, h.d), b.targets = ivec(h.targets, h.n);
  b.lse = fvec(pl, lse, h.n), b.grad_logp = fvec(pl, grad_logp, h.n);
  b.grad_hidden = fmat(pl, grad_hidden, h.n, h.d), b.grad_weight = fmat(pl, weight_scratch, h.vocab, h.d);
  TX_RETURN_IF_ERROR(linear_logprobs_backward(b));
  // grad_weight += the tile's gradient: residual_add is the same elementwise add on both devices.
  const int64_t total = h.vocab * h.d;
  return residual_add({fvec(pl, grad_weight, total), fvec(pl, weight_scratch, total), fvec(pl, grad_weight, total)});
}

}  // namespace tx::model
