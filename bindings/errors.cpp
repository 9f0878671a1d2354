#include "errors.h"

namespace txn {

AddonState& state(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

Napi::Error make_error(Napi::Env env, tx::Code code, const std::string& message) {
  AddonState* s = env.GetInstanceData<AddonState>();
  if (s != nullptr && !s->tx_error_class.IsEmpty()) {
    Napi::Object e = s->tx_error_class.New({Napi::String::New(env, tx::code_name(code)), Napi::String::New(env, message)});
    return Napi::Error(env, e);
  }
  // Before init(): a plain Error that still carries the code.
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, tx::code_name(code)));
  return e;
}

void throw_error(Napi::Env env, tx::Code code, const std::string& message) { throw make_error(env, code, message); }

}  // namespace txn
