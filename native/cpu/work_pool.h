// A small persistent helper pool for ops whose callers must never wait on a thread that has
// not started: run_shared(threads, work) runs `work` on the caller and on up to threads - 1
// helpers, and returns once the caller's `work` has returned and every helper that joined
// has returned too. A helper that wakes after the caller has finished does not join.
//
// Why not an OpenMP region: on a shared, oversubscribed machine a team's fork, barriers and
// join each wait for every thread to be scheduled (milliseconds per wait; libgomp's default
// spin also burns the waiter's time slice on Zen, where PAUSE is long). Here `work` claims
// units from a shared counter, so a helper that never gets a core costs nothing: the caller
// takes every unit itself.
#pragma once
#include <functional>

namespace tx::cpu {

// `work` must be safe to run concurrently and must only claim work it then finishes (a
// shared atomic counter over units). If another caller holds the pool, runs `work` alone.
void run_shared(int threads, const std::function<void()>& work);

}  // namespace tx::cpu
