// CPU kernel of embedding (embedding.cpp).
// Arguments are already checked by native/ops/embedding.cpp; kernels only compute.
#pragma once
#include <cstdint>
#include <vector>

#include "tx/ops/embedding.h"

namespace tx::cpu {

void embedding(const EmbeddingArgs& args);
void embedding_backward(const EmbeddingBackwardArgs& args);
// Token indices grouped by id (ascending id, then ascending token): order[] and, per id
// present, [start[j], start[j+1]) in order with id uid[j]. Shared with the CUDA launcher.
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid);

}  // namespace tx::cpu
