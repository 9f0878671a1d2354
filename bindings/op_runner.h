// Runs an engine call synchronously or on a libuv worker thread (the baton pattern):
// everything the worker needs is marshalled into a Job on the JS thread; Execute() touches
// no JS value; inputs and outputs stay referenced until the Promise settles.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
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

// The two entry points of an op, sharing its `Prepare` (JS args -> Job): the blocking
// form and the Promise form. `name` is the JS name, used in internal-error messages.
template <Job (*Prepare)(const Napi::CallbackInfo&)>
Napi::Value sync_entry(const Napi::CallbackInfo& info, const char* name) {
  return guarded(info, name, [](const Napi::CallbackInfo& info) {
    Job job = Prepare(info);
    return run_sync(info.Env(), job);
  });
}

template <Job (*Prepare)(const Napi::CallbackInfo&)>
Napi::Value async_entry(const Napi::CallbackInfo& info, const char* name) {
  // A Promise form never throws: bad arguments come back as a rejected Promise.
  return guarded_async(info, name, [](const Napi::CallbackInfo& info) { return run_async(info.Env(), Prepare(info)); });
}

}  // namespace txn
