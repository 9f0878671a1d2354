// Safe teardown of an environment (a worker_threads Worker terminated, the process
// exiting) while engine jobs run.
//
// Two hazards, two guards:
//  - Node unloads an addon when the last environment that loaded it is torn down. The
//    engine's OpenMP team threads live on after their parallel region (libgomp parks them
//    spinning, then waiting), so unloading the addon, and libgomp with it, leaves them
//    executing unmapped code: SIGSEGV. pin_addon_image() keeps the addon (and so libgomp,
//    which it depends on) loaded for the life of the process.
//  - An environment's cleanup must not race its own async jobs. Each environment has a
//    registry of its queued and running jobs; its cleanup hook refuses to start any more
//    (they settle with an error, computing nothing) and waits for the running ones to
//    finish, so no job outlives the JS memory it reads and writes.
#pragma once
#include <napi.h>

namespace txn::jobs {

// Addon init, once per environment: pins the addon image (once per process) and registers
// the environment's cleanup hook.
void install(Napi::Env env);

// The async-job base reports each job's life here (JS thread): queued before Queue() (a
// job may start at once), gone from its destructor.
void queued(Napi::Env env, Napi::AsyncWorker* job);
void gone(Napi::Env env, Napi::AsyncWorker* job);

// Held by a job for the duration of its Execute() (a libuv worker thread). `admitted()` is
// false once the environment is being torn down: the job must not start its compute.
class Running {
 public:
  explicit Running(napi_env env);
  ~Running();
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  bool admitted() const { return admitted_; }

 private:
  void* registry_;
  bool admitted_;
};

// Jobs queued or running in this environment (tests read it through the addon).
int in_flight(Napi::Env env);

}  // namespace txn::jobs
