#include "outputs.h"

#include "device_buffer.h"
#include "errors.h"
#include "host_buffer.h"
#include "tensor_arg.h"

namespace txn {

tx::TensorView new_output(Napi::Env env, Job& job, const char* key, const tx::TensorView& like,
                          const std::vector<int64_t>& shape, tx::DType dtype) {
  if (shape.size() > static_cast<size_t>(tx::kMaxDims)) {
    throw_error(env, tx::Code::kShape, std::string(key) + " would have more than 4 dimensions");
  }
  const int64_t n = checked_numel(env, shape, key);
  void* data = nullptr;
  if (like.device == tx::Device::kCuda) {
    Napi::Object buf = DeviceBuffer::create(env, static_cast<size_t>(n) * tx::dtype_size(dtype), dtype,
                                            like.device_index);
    job.result.Set(key, buf);
    DeviceBuffer* b = DeviceBuffer::Unwrap(buf);
    job.buffers.push_back(b);
    data = b->view(env, key, dtype).data;
  } else {
    job.result.Set(key, new_host_array(env, dtype, static_cast<size_t>(n), &data));
  }
  tx::TensorView t = tx::TensorView::contiguous(data, {n}, dtype, like.device, like.device_index);
  t.ndim = static_cast<int>(shape.size());
  int64_t stride = 1;
  for (int i = t.ndim - 1; i >= 0; --i) {
    t.shape[i] = shape[static_cast<size_t>(i)];
    t.strides[i] = stride;
    stride *= shape[static_cast<size_t>(i)];
  }
  return t;
}

}  // namespace txn
