// CUDA launcher of AdamW (adamw.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/adamw.h"
#include "tx/status.h"

namespace tx::cuda {

// Fills result; *finite = false (nothing updated) when the gradient norm is not finite.
Status adamw_step(const AdamWArgs& args, AdamWResult* result, bool* finite, cudaStream_t stream);

}  // namespace tx::cuda
