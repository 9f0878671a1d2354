#include "outputs.h"

#include "device_buffer.h"
#include "host_buffer.h"

namespace txn {

tx::TensorView new_output(Napi::Env env, Job& job, const char* key, const tx::TensorView& like,
                          std::initializer_list<int64_t> shape, tx::DType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
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
  return tx::TensorView::contiguous(data, shape, dtype, like.device, like.device_index);
}

}  // namespace txn
