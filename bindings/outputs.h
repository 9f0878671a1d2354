// Op outputs allocated on the JS thread before the job runs: typed arrays (huge-page
// backed when large, see host_buffer.h) for host inputs, DeviceBuffers for device inputs.
#pragma once
#include <napi.h>

#include <vector>

#include "op_runner.h"
#include "tx/tensor.h"

namespace txn {

// A new output of `shape` and `dtype` on the device of `like`, set as job.result[key]
// (device outputs are also retained by the job).
tx::TensorView new_output(Napi::Env env, Job& job, const char* key, const tx::TensorView& like,
                          const std::vector<int64_t>& shape, tx::DType dtype);

// The caller's buffer `provided` (a typed array or DeviceBuffer, named `name` in errors)
// when it is given, else a new output as above; either way set as job.result[key]. Reusing
// outputs across steps avoids first-touch page faults, which can cost more than the op.
tx::TensorView output_into(Napi::Env env, Job& job, const char* key, const Napi::Value& provided, const char* name,
                           const tx::TensorView& like, const std::vector<int64_t>& shape, tx::DType dtype);

// Throws E_RANGE when two host views share any byte: a kernel reading one while writing
// the other would see half-written data. Device views are not compared.
void check_disjoint(Napi::Env env, const tx::TensorView& a, const char* a_name, const tx::TensorView& b,
                    const char* b_name);

}  // namespace txn
