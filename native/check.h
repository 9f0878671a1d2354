// Argument checks shared by the ops of native/ops/. Each returns a Status whose message
// names the argument (as the JS API spells it), what was expected and what came.
#pragma once
#include <climits>
#include <cstdint>
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

// An f32 vector of `length` (any when < 0) on the device of `ref`.
Status f32_like(const TensorView& t, const char* name, int64_t length, const TensorView& ref, const char* ref_name);

// A dimension argument: an integer in [min, max] (max_text spells max in the message).
Status dim(int64_t v, const char* name, int64_t min, int64_t max = INT32_MAX, const char* max_text = "2^31-1");

// a * b * 4 bytes must not overflow int64.
Status product(int64_t a, int64_t b, const char* what);

// A host i32 vector of `length` whose entries are in [lo, hi) (hi_name spells hi).
Status indices(const TensorView& t, const char* name, int64_t length, int64_t lo, int64_t hi, const char* hi_name);

}  // namespace tx::check
