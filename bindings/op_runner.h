// The addon's job base, the one place async work lives: an engine call runs synchronously
// or on a libuv worker thread (the baton pattern). Everything the worker needs is
// marshalled into a Job on the JS thread; Execute() touches no JS value; inputs and outputs
// stay referenced until the Promise settles. Every op binding and the PolicyModel methods
// run through run_sync / run_async here.
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

// The one way a job keeps a JS value alive: referenced until the job settles, and retained
// as well when it is a DeviceBuffer (so dispose() cannot free memory the worker uses).
void keep(Napi::Env env, Job& job, const Napi::Value& v);
// keep() for the first `count` arguments (all of them when count < 0).
void keep_inputs(const Napi::CallbackInfo& info, Job& job, int count = -1);

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
