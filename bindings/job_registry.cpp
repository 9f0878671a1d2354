#include "job_registry.h"

#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace txn::jobs {

namespace {

struct Registry {
  napi_env env;
  std::mutex mu;
  std::condition_variable idle;
  std::unordered_set<Napi::AsyncWorker*> live;  // queued or running; touched on the JS thread
  int running = 0;                              // inside Execute() right now
  bool stopping = false;                        // the environment's cleanup has begun
};

// Registries by environment. A registry outlives its cleanup hook while refused jobs
// still have to deliver their completion (the last gone() deletes it).
std::mutex g_mu;
std::unordered_map<napi_env, Registry*> g_registries;

Registry* find(napi_env env) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_registries.find(env);
  return it == g_registries.end() ? nullptr : it->second;
}

void forget(napi_env env, Registry* r) {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_registries.find(env);
    if (it != g_registries.end() && it->second == r) g_registries.erase(it);
  }
  delete r;
}

// Once per process: take a reference to our own image that is never dropped, so neither
// the addon nor its libgomp is unmapped under a parked OpenMP thread.
void pin_addon_image() {
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef _WIN32
    HMODULE self = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                       reinterpret_cast<LPCWSTR>(&pin_addon_image), &self);
#else
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&pin_addon_image), &info) != 0 && info.dli_fname != nullptr) {
      dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);  // the handle is kept on purpose
    }
#endif
  });
}

// Runs on the environment's thread while it is torn down (worker terminate/exit, process
// teardown). Jobs not yet started are refused (Running::admitted), so they settle at once
// with an error instead of computing; running ones are waited for. Jobs are not removed
// from the libuv queue (napi_cancel_async_work): a cancelled job's completion may arrive
// after the napi environment is gone, whereas a refused job completes like any other.
void on_env_cleanup(void* arg) {
  auto* r = static_cast<Registry*>(arg);
  std::unique_lock<std::mutex> lock(r->mu);
  r->stopping = true;
  r->idle.wait(lock, [r] { return r->running == 0; });
  const bool empty = r->live.empty();
  lock.unlock();
  if (empty) forget(r->env, r);  // else the last job's gone() deletes it
}

}  // namespace

void install(Napi::Env env) {
  pin_addon_image();
  auto* r = new Registry();
  r->env = env;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_registries[env] = r;
  }
  napi_add_env_cleanup_hook(env, on_env_cleanup, r);
}

void queued(Napi::Env env, Napi::AsyncWorker* job) {
  Registry* r = find(env);
  if (r == nullptr) return;
  std::lock_guard<std::mutex> lock(r->mu);
  r->live.insert(job);
}

void gone(Napi::Env env, Napi::AsyncWorker* job) {
  Registry* r = find(env);
  if (r == nullptr) return;
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(r->mu);
    r->live.erase(job);
    last = r->stopping && r->live.empty();
  }
  if (last) forget(env, r);
}

Running::Running(napi_env env) : registry_(find(env)), admitted_(true) {
  auto* r = static_cast<Registry*>(registry_);
  if (r == nullptr) return;
  std::lock_guard<std::mutex> lock(r->mu);
  if (r->stopping) {
    admitted_ = false;
    registry_ = nullptr;
    return;
  }
  ++r->running;
}

Running::~Running() {
  auto* r = static_cast<Registry*>(registry_);
  if (r == nullptr) return;
  std::lock_guard<std::mutex> lock(r->mu);
  if (--r->running == 0) r->idle.notify_all();
}

int in_flight(Napi::Env env) {
  Registry* r = find(env);
  if (r == nullptr) return 0;
  std::lock_guard<std::mutex> lock(r->mu);
  return static_cast<int>(r->live.size());
}

}  // namespace txn::jobs
