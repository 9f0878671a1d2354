// CUDA launcher of the GRPO loss (grpo_loss.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/grpo_loss.h"
#include "tx/status.h"

namespace tx::cuda {

// Writes gradLogp and *result (synchronizes `stream`); *first_bad = first masked token with
// a non-finite input, or -1.
Status grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result, int64_t* first_bad, cudaStream_t stream);

}  // namespace tx::cuda
