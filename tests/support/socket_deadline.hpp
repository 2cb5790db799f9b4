// A watchdog for blocking socket calls (Beast's synchronous WebSocket calls
// have no timeout). Plain threads, no Asio, so any test can use it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace warren::test {

// A tunnel that loses a frame would hang the test until ctest kills it; this
// shuts the socket down at a deadline instead, so the blocked call fails and
// the test reports it.
class socket_deadline {
public:
  socket_deadline(int fd, std::chrono::milliseconds limit);
  ~socket_deadline();
  socket_deadline(const socket_deadline&) = delete;
  socket_deadline& operator=(const socket_deadline&) = delete;

  bool fired() const { return fired_; }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace warren::test
