// Module registration. init(TxError) must be called once per environment (the loader in
// lib/engine/native.ts does it) so that errors are instances of the JS TxError class.
// Op entry points register themselves (exports.h); this file adds the classes and jobsInFlight.
#include <algorithm>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "job_registry.h"
#include "model.h"
#include "tx/runtime.h"

namespace txn {

namespace {

Napi::Value init(const Napi::CallbackInfo& info) {
  // A TxError-shaped failure (code E_DTYPE) even here, so that no entry point throws a bare TypeError.
  if (!info[0].IsFunction()) throw make_error(info.Env(), tx::Code::kDtype, "init(TxError): TxError must be a class");
  state(info.Env()).tx_error_class = Napi::Persistent(info[0].As<Napi::Function>());
  // A TOOLEXPANDER_SIMD the CPU cannot honour refuses the load, rather than run another set.
  throw_if_error(info.Env(), tx::cpu_simd_status());
  return info.Env().Undefined();
}

// Async jobs queued or running in this environment (job_registry.h).
Napi::Value jobs_in_flight(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), jobs::in_flight(info.Env()));
}

// Every registered entry point is this one function with its Export as data.
Napi::Value call_export(const Napi::CallbackInfo& info) {
  const auto* e = static_cast<const Export*>(info.Data());
  return e->fn(info, e->name);
}

}  // namespace

const Exports kExports{
    {"jobsInFlight", unnamed<jobs_in_flight>},
};

Napi::Object register_module(Napi::Env env, Napi::Object exports) {
  auto* s = new AddonState();
  env.SetInstanceData<AddonState>(s);  // deleted by node-addon-api at env teardown
  jobs::install(env);                   // worker/teardown safety (job_registry.h)
  Napi::Function buffer_class = DeviceBuffer::define(env);
  s->device_buffer_class = Napi::Persistent(buffer_class);
  exports.Set("DeviceBuffer", buffer_class);
  exports.Set("init", Napi::Function::New(env, init, "init"));
  // In name order, so the module's keys do not depend on the link order of the files.
  std::vector<const Export*> entries;
  for (const Export& e : registered_exports()) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(), [](const Export* a, const Export* b) { return std::string(a->name) < b->name; });
  for (const Export* e : entries) {
    exports.Set(e->name, Napi::Function::New(env, call_export, e->name, const_cast<Export*>(e)));
  }
  exports.Set("PolicyModel", PolicyModel::define(env));
  return exports;
}

}  // namespace txn

static Napi::Object register_toolexpander(Napi::Env env, Napi::Object exports) {
  return txn::register_module(env, exports);
}

NODE_API_MODULE(toolexpander, register_toolexpander)
