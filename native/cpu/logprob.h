// CPU kernel of log-prob gathering (logprob.cpp; targets already range-checked).
// Arguments are already checked by native/ops/logprob.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/logprob.h"

namespace tx::cpu {

void logprobs(const LogprobsArgs& args);
void logprobs_backward(const LogprobsBackwardArgs& args);
void linear_logprobs(const LinearLogprobsArgs& args);
void linear_logprobs_backward(const LinearLogprobsBackwardArgs& args);

}  // namespace tx::cpu
