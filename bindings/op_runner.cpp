#include "op_runner.h"

#include <exception>
#include <string>

#include "errors.h"
#include "job_registry.h"
#include "tensor_arg.h"

namespace txn {

namespace {

tx::Status guarded_compute(const std::function<tx::Status()>& compute) {
  try {
    return compute();
  } catch (const std::bad_alloc&) {
    return {tx::Code::kOom, "out of memory"};
  } catch (const std::exception& e) {
    return {tx::Code::kState, std::string("internal error: ") + e.what()};
  } catch (...) {
    return {tx::Code::kState, "internal error"};
  }
}

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, Job job)
      : Napi::AsyncWorker(env, "toolexpander:op"),
        deferred_(Napi::Promise::Deferred::New(env)),
        compute_(std::move(job.compute)),
        buffers_(std::move(job.buffers)) {
    Napi::Object keep = Napi::Object::New(env);
    for (size_t i = 0; i < job.keep_alive.size(); ++i) keep.Set(static_cast<uint32_t>(i), job.keep_alive[i]);
    keep_ = Napi::Persistent(keep);
    result_ = Napi::Persistent(job.result);
    for (DeviceBuffer* b : buffers_) b->retain();
    jobs::queued(env, this);
  }

  ~OpWorker() override { jobs::gone(Env(), this); }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    jobs::Running running(Env());
    status_ = running.admitted() ? guarded_compute(compute_)
                                 : tx::Status{tx::Code::kState, "the environment is shutting down"};
  }

  void OnOK() override {
    Napi::HandleScope scope(Env());
    release();
    if (status_.is_ok()) deferred_.Resolve(result_.Value());
    else deferred_.Reject(make_error(Env(), status_).Value());
  }

  void OnError(const Napi::Error& e) override {
    Napi::HandleScope scope(Env());
    release();
    deferred_.Reject(e.Value());
  }

 private:
  void release() {
    for (DeviceBuffer* b : buffers_) b->release();
    buffers_.clear();
  }

  Napi::Promise::Deferred deferred_;
  std::function<tx::Status()> compute_;
  std::vector<DeviceBuffer*> buffers_;
  Napi::ObjectReference keep_;
  Napi::ObjectReference result_;
  tx::Status status_;
};

}  // namespace

void keep(Napi::Env env, Job& job, const Napi::Value& v) {
  job.keep_alive.push_back(v);
  if (is_device_buffer(env, v)) job.buffers.push_back(DeviceBuffer::Unwrap(v.As<Napi::Object>()));
}

void keep_inputs(const Napi::CallbackInfo& info, Job& job, int count) {
  const size_t n = count < 0 ? info.Length() : static_cast<size_t>(count);
  for (size_t i = 0; i < n; ++i) keep(info.Env(), job, info[i]);
}

Napi::Value run_sync(Napi::Env env, Job& job) {
  throw_if_error(env, guarded_compute(job.compute));
  return job.result;
}

Napi::Value run_async(Napi::Env env, Job job) {
  auto* worker = new OpWorker(env, std::move(job));  // deletes itself after OnOK/OnError
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

}  // namespace txn
