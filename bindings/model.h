// PolicyModel: the native policy model (native/model/) owned by a JS object. The model is
// held by a shared_ptr: every job in flight holds a reference, so dispose() (or the
// finalizer) only drops the wrapper's reference and the memory goes when the last job
// ends. Jobs on one model run one at a time (Model::mu). The native bytes are reported to
// V8 with AdjustExternalMemory so that GC pressure reflects them.
#pragma once
#include <napi.h>

#include <memory>

#include "tx/model/model.h"

namespace txn {

class PolicyModel : public Napi::ObjectWrap<PolicyModel> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit PolicyModel(const Napi::CallbackInfo& info);
  ~PolicyModel() override;

 private:
  std::shared_ptr<tx::model::Model> live(Napi::Env env) const;  // E_STATE when disposed
  Napi::Value forward_logprobs(const Napi::CallbackInfo& info, bool async);
  Napi::Value forward_logprobs_async(const Napi::CallbackInfo& info) { return forward_logprobs(info, true); }
  Napi::Value forward_logprobs_sync(const Napi::CallbackInfo& info) { return forward_logprobs(info, false); }
  Napi::Value train_micro(const Napi::CallbackInfo& info);
  Napi::Value optimizer_step(const Napi::CallbackInfo& info);
  Napi::Value generate(const Napi::CallbackInfo& info);
  Napi::Value get_state(const Napi::CallbackInfo& info);
  Napi::Value set_state(const Napi::CallbackInfo& info);
  Napi::Value read_state_range(const Napi::CallbackInfo& info);
  Napi::Value write_state_range(const Napi::CallbackInfo& info);
  Napi::Value finish_state(const Napi::CallbackInfo& info);
  Napi::Value step(const Napi::CallbackInfo& info);
  Napi::Value layout(const Napi::CallbackInfo& info);
  Napi::Value zero_grad(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  Napi::Value num_params(const Napi::CallbackInfo& info);
  void release();

  std::shared_ptr<tx::model::Model> model_;
  int64_t reported_ = 0;
  Napi::Env env_;
};

}  // namespace txn
