// Runs an engine call synchronously or on a libuv worker thread (the baton pattern):
// everything the worker needs is marshalled into a Job on the JS thread; Execute() touches
// no JS value; inputs and outputs stay referenced until the Promise settles.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "device_buffer.h"
#include "tx/status.h"

namespace txn {

struct Job {
  std::function<tx::Status()> compute;  // runs off the JS thread in the async form
  Napi::Object result;                  // resolved value (holds the outputs)
  std::vector<Napi::Value> keep_alive;  // inputs whose memory compute reads
  std::vector<DeviceBuffer*> buffers;   // device inputs/outputs, retained for the job
};

Napi::Value run_sync(Napi::Env env, Job& job);
Napi::Value run_async(Napi::Env env, Job job);

}  // namespace txn
