// ParallelFor: runs fn(0), ..., fn(n - 1) on up to `parallelism` threads, the calling
// thread included, and returns when all have returned. Indexes are handed out in order;
// `fn` must be safe to call concurrently for different indexes.
#ifndef NXT_COMMON_PARALLEL_H_
#define NXT_COMMON_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace nxt {

template <typename Fn>
void ParallelFor(size_t n, int parallelism, Fn fn) {
  if (n == 0) return;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t threads_wanted = std::min(n, static_cast<size_t>(std::max(parallelism, 1)));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < threads_wanted; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

}  // namespace nxt

#endif  // NXT_COMMON_PARALLEL_H_
