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

}  // namespace txn
