// A tiny blocking TCP origin for what warren-test-origin cannot report: how
// many local connections the client opened, when the client closed one, what
// exactly it forwarded. Plain sockets and threads, no Asio.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace warren::test {

// A blocking TCP server on 127.0.0.1:0, one thread per connection, running
// `handler(fd)` on each. The handler must not close the fd; the destructor
// shuts every socket down (waking blocked calls) and joins the threads.
class raw_origin {
public:
  using handler = std::function<void(int fd)>;

  explicit raw_origin(handler h);
  ~raw_origin();

  raw_origin(const raw_origin&) = delete;
  raw_origin& operator=(const raw_origin&) = delete;

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }

private:
  void accept_loop();

  handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// Sends all of `data` (MSG_NOSIGNAL); false if the peer is gone.
bool send_all(int fd, std::string_view data);

}  // namespace warren::test
