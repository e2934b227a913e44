// SPDX-License-Identifier: GPL-2.0
// Running one function on several threads at once.
#pragma once

#include <exception>
#include <thread>
#include <vector>

namespace mmcheck::util {

// Runs fn(0) .. fn(threads - 1), each on its own thread (fn(0) on the calling one). An
// exception thrown by any of them is rethrown here once all have ended (the lowest thread's
// when several throw), instead of terminating the process from a worker thread.
template <typename Fn>
void RunOnThreads(int threads, const Fn& fn) {
  if (threads <= 1) {
    fn(0);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto run = [&fn, &errors](int t) {
    try {
      fn(t);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (int t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace mmcheck::util
