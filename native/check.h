// Argument checks shared by every op in ops.cpp. Each returns a Status whose message
// names the argument (as the JS API spells it), what was expected and what came.
#pragma once
#include <string>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx::check {

// `name` must be defined, of `dtype`, 1-D, contiguous; length checked when `length` >= 0.
Status vector(const TensorView& t, const char* name, DType dtype, int64_t length = -1);

// `name` must be in host memory (offsets drive loops on the host).
Status on_host(const TensorView& t, const char* name);

// Offsets: o[0] = 0, non-decreasing, o[last] = total. Host, i32.
Status offsets(const TensorView& o, const char* name, int64_t total, const char* total_name);

// Same device (and index) as the reference tensor.
Status same_device(const TensorView& t, const char* name, const TensorView& ref, const char* ref_name);

Status finite_non_negative(double value, const char* name);

}  // namespace tx::check
