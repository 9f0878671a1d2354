// CUDA launcher of token sampling (sampling.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/sampling.h"
#include "tx/status.h"

namespace tx::cuda {

// As cpu::sample; synchronizes `stream`. *bad = -1 when every row sampled.
Status sample(const SampleArgs& args, int64_t* bad, bool* empty_row, cudaStream_t stream);

}  // namespace tx::cuda
