#include "model/head.h"

#include <cstring>
#include <vector>

namespace tx::model {

namespace {

// The rows of a host head that have a target, ascending, when gathering them pays (some
// row has none); false means: run every row.
bool live_rows(const Head& h, std::vector<int32_t>* live) {
  if (h.rows == nullptr || !h.lc.place.host()) return false;
  live->clear();
  for (int64_t i = 0; i < h.n; ++i)
    if (h.targets[i] != -100) live->push_back(static_cast<int32_t>(i));
  return static_cast<int64_t>(live->size()) < h.n;
}

// rows[r] = hidden[live[r]] (host).
void gather(const Head& h, const std::vector<int32_t>& live) {
  for (size_t r = 0; r < live.size(); ++r) {
    std::memcpy(h.rows + static_cast<int64_t>(r) * h.d, h.hidden + static_cast<int64_t>(live[r]) * h.d, sizeof(float) * h.d);
  }
}

std::vector<int32_t> live_targets(const Head& h, const std::vector<int32_t>& live) {
  std::vector<int32_t> t(live.size());
  for (size_t r = 0; r < live.size(); ++r) t[r] = h.targets[live[r]];
  return t;
}

// The materialising head over the live rows only: logits [nl, V] at the start of h.logits.
Status forward_live(const Head& h, const std::vector<int32_t>& live, float* logp, float* entropy, float* lse) {
  const Place& pl = h.lc.place;
  const int64_t nl = static_cast<int64_t>(live.size());
  std::vector<float> lp(live.size()), ent(entropy != nullptr ? live.size() : 0), ls(live.size());
  if (nl > 0) {
    gather(h, live);
    TX_RETURN_IF_ERROR(linear(h.lc, h.rows, h.weight, nullptr, h.logits, nl, h.d, h.vocab));
    const std::vector<int32_t> t = live_targets(h, live);
    LogprobsArgs a;
    a.logits = fmat(pl, h.logits, nl, h.vocab), a.targets = ivec(t.data(), nl);
    a.logp = fvec(pl, lp.data(), nl), a.lse = fvec(pl, ls.data(), nl);
    if (entropy != nullptr) a.entropy = fvec(pl, ent.data(), nl);
    TX_RETURN_IF_ERROR(logprobs(a));
  }
  // Rows without a target read 0, as the logprobs op writes for an ignored row.
  std::memset(logp, 0, sizeof(float) * h.n);
  std::memset(lse, 0, sizeof(float) * h.n);
  if (entropy != nullptr) std::memset(entropy, 0, sizeof(float) * h.n);
  for (int64_t r = 0; r < nl; ++r) {
    logp[live[r]] = lp[r], lse[live[r]] = ls[r];
    if (entropy != nullptr) entropy[live[r]] = ent[r];
  }
  return Status::ok();
}

Status backward_live(const Head& h, const std::vector<int32_t>& live, const float* lse, const float* grad_logp,
                     float* grad_hidden, float* grad_weight) {
  const Place& pl = h.lc.place;
  const int64_t nl = static_cast<int64_t>(live.size()), d = h.d;
  std::memset(grad_hidden, 0, sizeof(float) * h.n * d);
  if (nl == 0) return Status::ok();
  const std::vector<int32_t> t = live_targets(h, live);
  std::vector<float> ls(live.size()), g(live.size());
  for (int64_t r = 0; r < nl; ++r) ls[r] = lse[live[r]], g[r] = grad_logp[live[r]];
  LogprobsBackwardArgs b;
  b.logits = fmat(pl, h.logits, nl, h.vocab), b.targets = ivec(t.data(), nl), b.lse = fvec(pl, ls.data(), nl);
  b.grad_logp = fvec(pl, g.data(), nl), b.grad_logits = b.logits;  // in place
  TX_RETURN_IF_ERROR(logprobs_backward(b));
  gather(h, live);
  TX_RETURN_IF_ERROR(linear_grad_weight(h.lc, h.logits, h.rows, grad_weight, nullptr, nl, d, h.vocab));
  // The gathered hidden rows are read: their buffer takes the rows' input gradient.
  TX_RETURN_IF_ERROR(linear_grad_input(h.lc, h.logits, h.weight, h.rows, nl, d, h.vocab, false));
  for (int64_t r = 0; r < nl; ++r) std::memcpy(grad_hidden + live[r] * d, h.rows + r * d, sizeof(float) * d);
  return Status::ok();
}

}  // namespace

Status head_forward(const Head& h, float* logp, float* entropy, float* lse) {
  const Place& pl = h.lc.place;
  if (head_materializes(h.vocab)) {
    std::vector<int32_t> live;
    if (live_rows(h, &live)) return forward_live(h, live, logp, entropy, lse);
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
    std::vector<int32_t> live;
    if (live_rows(h, &live)) return backward_live(h, live, lse, grad_logp, grad_hidden, grad_weight);
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
