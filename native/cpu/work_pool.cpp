// The helper pool behind run_shared (see work_pool.h).
#include "cpu/work_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tx::cpu {

namespace {

constexpr int kPollUs = 200;

class Pool {
 public:
  // Returns false (nothing published) when another caller's job is open.
  bool publish(const std::function<void()>* work, int helpers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job_ != nullptr) return false;
      while (static_cast<int>(threads_.size()) < helpers) {
        threads_.emplace_back([this] { loop(); });
        threads_.back().detach();  // the pool lives for the process (it is never destroyed)
      }
      job_ = work;
      seats_ = helpers;
      epoch_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    return true;
  }

  // Closes the job to late helpers, then waits for the ones that joined.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = nullptr;
    }
    // Joined helpers are running their last unit: spin politely (yield keeps us runnable
    // without stealing the core a helper may need).
    while (active_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

 private:
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void()>* work = nullptr;
      // Back-to-back calls (a model's layers, a benchmark) come within microseconds: poll
      // briefly before sleeping so the next job finds this helper awake. yield() keeps the
      // poll from holding a core that another runnable thread wants.
      const auto poll_until = std::chrono::steady_clock::now() + std::chrono::microseconds(kPollUs);
      while (epoch_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < poll_until) {
        std::this_thread::yield();
      }
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return epoch_.load(std::memory_order_relaxed) != seen; });
        seen = epoch_.load(std::memory_order_relaxed);
        if (job_ == nullptr || seats_ == 0) continue;  // closed before we woke, or full
        --seats_;
        work = job_;
        active_.fetch_add(1, std::memory_order_acq_rel);  // under the lock: close() sees it
      }
      (*work)();
      active_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  const std::function<void()>* job_ = nullptr;
  int seats_ = 0;
  std::atomic<uint64_t> epoch_{0};  // written under mu_, polled without it
  std::atomic<int> active_{0};
};

Pool& pool() {
  static Pool* p = new Pool;  // leaked on purpose: detached helpers outlive static destruction
  return *p;
}

}  // namespace

void run_shared(int threads, const std::function<void()>& work) {
  if (threads <= 1 || !pool().publish(&work, threads - 1)) {
    work();
    return;
  }
  work();
  pool().close();
}

}  // namespace tx::cpu
