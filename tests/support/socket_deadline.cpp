#include "socket_deadline.hpp"

#include <sys/socket.h>

namespace warren::test {

socket_deadline::socket_deadline(int fd, std::chrono::milliseconds limit)
    : thread_([this, fd, limit] {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
          fired_ = true;
          ::shutdown(fd, SHUT_RDWR);
        }
      }) {}

socket_deadline::~socket_deadline() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace warren::test
