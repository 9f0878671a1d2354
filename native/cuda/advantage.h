// CUDA launcher of grouped advantages (advantage.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/advantage.h"
#include "tx/status.h"

namespace tx::cuda {

// Writes the first non-finite reward index to *first_bad (or -1). Synchronizes `stream`.
Status grouped_advantages(const GroupedAdvantagesArgs& args, int64_t* first_bad, cudaStream_t stream);

}  // namespace tx::cuda
