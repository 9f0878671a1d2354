// TxError construction. The loader hands the JS TxError class to init(); every failure
// from the engine becomes an instance of it with the Status code and message.
#pragma once
#include <napi.h>

#include "tx/status.h"

namespace txn {

// Per-environment state (worker_threads each get their own).
struct AddonState {
  Napi::FunctionReference tx_error_class;
  Napi::FunctionReference device_buffer_class;
};

AddonState& state(Napi::Env env);

Napi::Error make_error(Napi::Env env, tx::Code code, const std::string& message);
inline Napi::Error make_error(Napi::Env env, const tx::Status& s) { return make_error(env, s.code(), s.message()); }

// Throws (C++ exception mode: node-addon-api turns it into a JS exception at the boundary).
[[noreturn]] void throw_error(Napi::Env env, tx::Code code, const std::string& message);
inline void throw_if_error(Napi::Env env, const tx::Status& s) {
  if (!s.is_ok()) throw_error(env, s.code(), s.message());
}

// Wraps an entry point so that no C++ exception other than Napi::Error escapes it.
template <typename Fn>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* name, Fn fn) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw make_error(info.Env(), tx::Code::kOom, std::string(name) + ": out of memory");
  } catch (const std::exception& e) {
    throw make_error(info.Env(), tx::Code::kState, std::string(name) + ": " + e.what());
  }
}

// The async form of guarded(): a Promise-returning entry point never throws. A bad argument
// (or any other failure before the job is queued) becomes a rejected Promise, so callers
// that only attach .catch() see every error.
template <typename Fn>
Napi::Value guarded_async(const Napi::CallbackInfo& info, const char* name, Fn fn) {
  Napi::Env env = info.Env();
  try {
    return guarded(info, name, fn);
  } catch (const Napi::Error& e) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(e.Value());
    return d.Promise();
  }
}

}  // namespace txn
